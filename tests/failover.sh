#!/usr/bin/env bash
# Failover to a hot standby without losing an acknowledged write (issue 18). A primary and a
# synchronous standby of its own (tools/pg-cluster.sh start, standby), `motcua serve` on a
# connection string naming both, four clients writing through the API (each submit and fire
# with an Idempotency-Key, retried with it after a 503 until acknowledged); the primary is
# killed (SIGKILL) mid-stream and the standby promoted, at once, then again the other way with
# the promotion 3 s late; serve finds the new primary by itself. After each, every acknowledged
# write is on the promoted server, each key is one dossier, and `verify` passes there. Then the
# failure paths: no server reachable at start (one line, exit 3); no server writable while
# serving (503 with Retry-After within the bound, nothing written; served again once one is);
# the database restarted under an idle serve (the first requests, reads, are served). Prints
# TAP lines and the figures as `# failover: …`; run by tools/run-tests.sh in its PostgreSQL
# pass as
#   bash tests/failover.sh BUILD/motcua
# A server that cannot start fails the test: it never skips.
set -u
bin=${1:?usage: failover.sh MOTCUA}
clients=4
rounds=${FAILOVER_ROUNDS:-30} # each round of a client: a submit and a fire, in each phase
tmp=$(mktemp -d /tmp/mc-fo.XXXXXX)
primary=""
standby=""
serve_pid=""
cleanup() {
    [ -n "$serve_pid" ] && kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
    [ -n "$standby" ] && bash tools/pg-cluster.sh stop "$standby"
    [ -n "$primary" ] && bash tools/pg-cluster.sh stop "$primary"
    rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/tap.sh"
ms() { date +%s%3N; }
bail() { no "$@"; echo "1..$n"; exit 1; }

# No server reachable at start: one line naming each server's failure, exit 3.
: >"$tmp/tokens"
timeout 20 "$bin" serve --listen 127.0.0.1:0 --catalogue . --tokens "$tmp/tokens" \
    --db "host=$tmp/none1,$tmp/none2 port=5432 dbname=mc" >"$tmp/out" 2>&1
rc=$?
if [ $rc -eq 3 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] &&
    grep -q "^motcua: store: cannot connect to the database: connection to server on socket \"$tmp/none1/.s.PGSQL.5432\" failed: No such file or directory; connection to server on socket \"$tmp/none2/.s.PGSQL.5432\" failed: No such file or directory$" "$tmp/out"; then
    ok "serve with no server reachable at start: one line naming each, exit 3"
else
    no "serve with no server reachable at start" "exit $rc" "$(cat "$tmp/out")"
fi

# The primary and its synchronous standby.
out=$(bash tools/pg-cluster.sh start 2>&1) || bail "a primary: $out"
primary=$(printf '%s\n' "$out" | sed -n 1p)
out=$(bash tools/pg-cluster.sh standby "$primary" 2>&1) || bail "a synchronous standby: $out"
standby=$(printf '%s\n' "$out" | sed -n 1p)
sconn=$(printf '%s\n' "$out" | sed -n 2p)
multi="host=$primary,$standby port=5432 dbname=mc"
sync=$(psql -X -At -h "$primary" -p 5432 -U postgres -d postgres \
    -c "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby'" 2>&1)
if [ "$sync" = sync ]; then
    ok "a primary and a synchronous standby"
else
    no "a primary and a synchronous standby" "sync_state: $sync"
fi

# serve on both; a token per client (four requests at once per token at most).
: >"$tmp/tokens"
for c in $(seq $clients); do
    echo "$("$bin" hash-token "secret-$c") clerk$c clerk commune-committee" >>"$tmp/tokens"
done
. tools/serve-lib.sh
serve_start "$tmp/serve.out" "$tmp/serve.err" "$bin" --tokens "$tmp/tokens" --db "$multi" \
    --catalogue . --now 2025-07-14T09:00 ||
    bail "serve on the primary and the standby" "$(cat "$tmp/serve.err")"
birth='{"procedure":"birth-registration","fields":{"citizen-id":"079123456789","parents-married":false},"attach":["birth-declaration","birth-notice","citizen-identity"]}'

# post LOG CLIENT KEY PATH BODY WANT: POSTs until the answer is WANT, or a replay of it (a 503 or no answer is
# tried again with the same key after 50 ms, up to 200 times); each attempt's start, end (ms)
# and status go to LOG.tries. Status 1 when it never was, the last answer in LOG.failed.
post() {
    local log=$1 c=$2 key=$3 path=$4 body=$5 want=$6 code t0 i
    for i in $(seq 200); do
        t0=$(ms)
        code=$(curl -s -m 10 -o "$tmp/c$c.body" -w '%{http_code}' -X POST \
            -H "Authorization: Bearer secret-$c" -H "Idempotency-Key: $key" \
            -H 'Content-Type: application/json' --data-binary "$body" \
            "http://127.0.0.1:$serve_port$path")
        echo "$t0 $(ms) $code" >>"$tmp/$log.tries"
        [ "$code" = "$want" ] && return 0
        # A submit whose COMMIT landed but whose answer was lost in the failover: the retry
        # with its key is answered by a replay (200), which acknowledges it as well.
        [ "$want" = 201 ] && [ "$code" = 200 ] && grep -q '"replayed": true' "$tmp/c$c.body" &&
            return 0
        case $code in
        503 | 000) sleep 0.05 ;;
        *) break ;;
        esac
    done
    echo "$key: $code $(tr -d '\n' <"$tmp/c$c.body")" >>"$tmp/$log.failed"
    return 1
}
# A client: rounds of a submit, then the receive of that dossier; each acknowledged write is
# recorded as "KEY DOSSIER STATE" in p$PHASE-c$CLIENT.acks, each attempt in p$PHASE-c$CLIENT.tries.
client() {
    local phase=$1 c=$2 i id state
    : >"$tmp/p$phase-c$c.acks"
    for i in $(seq "$rounds"); do
        post "p$phase-c$c" "$c" "p$phase-c$c-s$i" /api/dossiers "$birth" 201 || return
        id=$(sed -n 's/^  "id": \([0-9]*\),$/\1/p' "$tmp/c$c.body" | head -n 1)
        grep -q '"replayed": true' "$tmp/c$c.body" && echo "p$phase-c$c-s$i" >>"$tmp/replays"
        echo "p$phase-c$c-s$i $id submitted" >>"$tmp/p$phase-c$c.acks"
        post "p$phase-c$c" "$c" "p$phase-c$c-f$i" "/api/dossiers/$id/events" '{"event":"receive"}' \
            200 || return
        state=$(sed -n 's/^  "state": "\(.*\)",$/\1/p' "$tmp/c$c.body" | head -n 1)
        grep -q '"replayed": true' "$tmp/c$c.body" && echo "p$phase-c$c-f$i" >>"$tmp/replays"
        echo "p$phase-c$c-f$i $id $state" >>"$tmp/p$phase-c$c.acks"
    done
}

# failover PHASE OLD NEW DELAY: the clients write; once half their writes are acknowledged the
# primary OLD is killed and, DELAY seconds later (a failover manager's detection time), NEW is
# promoted; then the checks, against NEW, and the figures.
failover() {
    local phase=$1 old=$2 new=$3 delay=$4 pids="" c p
    local nconn="host=$new port=5432 dbname=mc"
    for c in $(seq $clients); do
        client "$phase" "$c" &
        pids="$pids $!"
    done
    acked() { cat "$tmp"/p"$phase"-c*.acks 2>/dev/null | wc -l; }
    for _ in $(seq 600); do # bounded: 60 s
        [ "$(acked)" -ge $((clients * rounds)) ] && break
        sleep 0.1
    done
    local before killed promoting promoted alive=yes
    before=$(acked)
    killed=$(ms)
    bash tools/pg-cluster.sh kill "$old"
    sleep "$delay"
    promoting=$(ms)
    bash tools/pg-cluster.sh promote "$new" || no "phase $phase: the standby promoted"
    promoted=$(ms)
    for p in $pids; do wait "$p"; done
    kill -0 "$serve_pid" 2>/dev/null || alive=no

    # Every acknowledged write (of every phase so far) is on the promoted server: each
    # submitted dossier exists, each acknowledged fire left its state; and each key is one
    # dossier (a retry whose first attempt had committed got the first result, never a second
    # dossier).
    cat "$tmp"/p*-c*.acks >"$tmp/acks" 2>/dev/null
    cat "$tmp"/p"$phase"-c*.acks >"$tmp/acks.phase" 2>/dev/null
    cat "$tmp"/p"$phase"-c*.failed >"$tmp/failed" 2>/dev/null
    psql -X -At -F ' ' -d "$nconn" -c "SELECT id, state FROM dossier ORDER BY id" >"$tmp/rows" 2>&1
    local acks submits lost dossiers
    acks=$(wc -l <"$tmp/acks.phase")
    submits=$(grep -c -- '-s[0-9]* ' "$tmp/acks")
    lost=$(awk 'NR == FNR { state[$1] = $2; next }
        !($2 in state) || ($3 != "submitted" && state[$2] != $3) { print }' "$tmp/rows" "$tmp/acks" |
        tee "$tmp/lost" | wc -l)
    dossiers=$(wc -l <"$tmp/rows")
    if [ "$acks" -eq $((clients * rounds * 2)) ] && [ ! -s "$tmp/failed" ] && [ "$alive" = yes ]; then
        ok "phase $phase: every write acknowledged through the failover, serve still running ($acks)"
    else
        no "phase $phase: every write acknowledged through the failover" \
            "$acks of $((clients * rounds * 2)) acknowledged, serve alive: $alive" \
            "$(head -5 "$tmp/failed")" "$(tail -3 "$tmp/serve.err")"
    fi
    if [ "$lost" -eq 0 ] && [ "$dossiers" -eq "$submits" ]; then
        ok "phase $phase: no acknowledged write lost on the promoted server; one dossier per key ($dossiers)"
    else
        no "phase $phase: acknowledged writes on the promoted server" \
            "$lost lost, $dossiers dossiers for $submits keys" "$(head -5 "$tmp/lost")" \
            "$(head -3 "$tmp/rows")"
    fi
    "$bin" verify --db "$nconn" >"$tmp/out" 2>&1
    local rc=$?
    if [ $rc -eq 0 ] && grep -q "the store is intact" "$tmp/out"; then
        ok "phase $phase: verify passes on the promoted server"
    else
        no "phase $phase: verify on the promoted server" "exit $rc" "$(cat "$tmp/out")"
    fi
    # The figures: failures are the answers other than the one wanted (each retried with its
    # key); the time without service runs from the kill to the first write acknowledged after
    # the promotion began (a request waiting for a writable server is no service), of which the
    # part after the promotion is serve's own; the longest attempt shows the bound.
    local failures outage after longest
    read -r failures outage after longest < <(cat "$tmp"/p"$phase"-c*.tries |
        awk -v kill="$killed" -v prom="$promoting" '
        $3 != 201 && $3 != 200 { f++ }
        ($3 == 201 || $3 == 200) && $2 >= prom { if (ok == "" || $2 < ok) ok = $2 }
        { if ($2 - $1 > long) long = $2 - $1 }
        END { printf "%d %.2f %.2f %.2f\n", f, (ok - kill) / 1000, (ok - prom) / 1000,
              long / 1000 }')
    echo "# failover: phase $phase (promotion ${delay} s after the kill): writes acknowledged" \
        "$acks ($before before the kill), lost $lost, failed answers $failures (retried;" \
        "$(grep -c "^p$phase-" "$tmp/replays") answered by a replay)," \
        "seconds without service $outage ($after after the promotion began), promotion" \
        "$(awk -v a="$promoting" -v b="$promoted" 'BEGIN { printf "%.2f", (b - a) / 1000 }') s," \
        "longest request $longest s"
    if awk -v l="$longest" 'BEGIN { exit !(l < 4) }'; then
        ok "phase $phase: no request waited 4 s or more (longest $longest s)"
    else
        no "phase $phase: a request waited too long" "longest $longest s"
    fi
}

: >"$tmp/replays"
# Phase 1: the standby promoted at once. Phase 2: the old primary made a synchronous standby of
# the new one (its folder, so that serve's string still names it), then the new primary killed
# and the standby promoted 3 s later: meanwhile no server is writable, and the writes in that
# gap are answered 503 within the bound and retried by their clients.
failover 1 "$primary" "$standby" 0
# The operator can find the moment: the timers' next pass logs that the store's connection was
# made again, once, with the count since the start.
for _ in $(seq 30); do
    grep -q "warn store: the connection to the database was lost and made again (" \
        "$tmp/serve.err" && break
    sleep 0.1
done
if grep -q "warn store: the connection to the database was lost and made again (" "$tmp/serve.err"; then
    ok "the failover is in serve's error log: the connection was made again"
else
    no "the failover is in serve's error log" "$(tail -3 "$tmp/serve.err")"
fi
out=$(bash tools/pg-cluster.sh standby "$standby" "$primary" 2>&1) ||
    bail "the old primary made a standby of the new one: $out"
failover 2 "$standby" "$primary" 3
sconn="host=$primary port=5432 dbname=mc"
live=$primary

# No server writable while serving: the promoted server made read-only (the old primary is
# dead). Each write is 503 with Retry-After within the bound, and writes nothing; once the
# server takes writes again, the next write is served, without a restart.
ro() {
    PGOPTIONS="-c default_transaction_read_only=off" psql -X -q -h "$live" -p 5432 \
        -U postgres -d postgres -c "ALTER SYSTEM $1" -c "SELECT pg_reload_conf()" >/dev/null 2>&1
}
ro "SET default_transaction_read_only = on"
count0=$(psql -X -At -d "$sconn" -c "SELECT count(*) FROM dossier" 2>&1)
statuses=""
slow=0
for i in 1 2 3; do
    t0=$(ms)
    code=$(curl -s -m 20 -D "$tmp/ro.head" -o "$tmp/ro.body" -w '%{http_code}' -X POST \
        -H "Authorization: Bearer secret-1" -H "Idempotency-Key: ro-$i" \
        -H 'Content-Type: application/json' --data-binary "$birth" \
        "http://127.0.0.1:$serve_port/api/dossiers")
    t=$(($(ms) - t0))
    [ "$t" -ge 4000 ] && slow=$t
    statuses="$statuses $code"
    grep -qi '^Retry-After: 1' "$tmp/ro.head" || statuses="$statuses(no Retry-After)"
    grep -q '"unavailable"' "$tmp/ro.body" || statuses="$statuses(body: $(tr -d '\n' <"$tmp/ro.body"))"
    echo "# failover: read-only attempt $i: $code in $t ms: $(sed -n 's/^  "message": //p' "$tmp/ro.body")"
done
# The same asked in Vietnamese: said from the store's code, its English detail kept.
code=$(curl -s -m 20 -o "$tmp/ro.body" -w '%{http_code}' -X POST \
    -H "Authorization: Bearer secret-1" -H "Idempotency-Key: ro-vi" -H "Accept-Language: vi" \
    -H 'Content-Type: application/json' --data-binary "$birth" \
    "http://127.0.0.1:$serve_port/api/dossiers")
if [ "$code" = 503 ] && python3 - "$tmp/ro.body" <<'PY'; then
import json, sys
d = json.load(open(sys.argv[1]))
said = {"store.read-only": "cơ sở dữ liệu đang ở chế độ chỉ đọc (máy chủ dự phòng, hoặc không còn là máy chủ chính), xin lỗi: hãy thử lại sau (store: %s)",
        "store.unreachable": "không kết nối được đến cơ sở dữ liệu, xin lỗi: hãy thử lại sau (%s)"}
assert d["error"] == "unavailable" and d["code"] in said, d
assert d["message"] == said[d["code"]] % d["args"][0], d
PY
    ok "no server writable, asked in Vietnamese: 503 said from the store's code"
else
    no "no server writable, asked in Vietnamese" "HTTP $code" "$(cat "$tmp/ro.body")"
fi
count1=$(psql -X -At -d "$sconn" -c "SELECT count(*) FROM dossier" 2>&1)
if [ "$statuses" = " 503 503 503" ] && [ "$slow" -eq 0 ] && [ "$count0" = "$count1" ]; then
    ok "no server writable: 503 with Retry-After in under 4 s each, nothing written"
else
    no "no server writable" "statuses$statuses, slowest $slow ms, dossiers $count0 then $count1" \
        "$(tail -3 "$tmp/serve.err")"
fi
ro "RESET default_transaction_read_only"
code=$(curl -s -m 20 -o "$tmp/ro.body" -w '%{http_code}' -X POST \
    -H "Authorization: Bearer secret-1" -H "Idempotency-Key: ro-back" \
    -H 'Content-Type: application/json' --data-binary "$birth" \
    "http://127.0.0.1:$serve_port/api/dossiers")
if [ "$code" = 201 ] && "$bin" verify --db "$sconn" >"$tmp/out" 2>&1; then
    ok "writable again: the next write is served and verify passes"
else
    no "writable again" "status $code" "$(tr -d '\n' <"$tmp/ro.body")" "$(cat "$tmp/out")"
fi

# The server restarted under an idle serve (every connection of its pool dead, unknown to it):
# the first request is a read, outside any transaction. It connects again and is served, and so
# are the reads after it (before, a read never reconnected: 503 until a write passed by).
bash tools/pg-cluster.sh pause "$live"
bash tools/pg-cluster.sh resume "$live"
statuses=""
for i in 1 2 3; do
    statuses="$statuses $(curl -s -m 20 -o "$tmp/get.body" -w '%{http_code}' \
        -H "Authorization: Bearer secret-1" "http://127.0.0.1:$serve_port/api/dossiers/$i")"
done
if [ "$statuses" = " 200 200 200" ]; then
    ok "the database restarted under an idle serve: the first requests, reads, are served"
else
    no "reads after the database restarted under an idle serve" "statuses$statuses" \
        "$(tr -d '\n' <"$tmp/get.body")"
fi

kill -TERM "$serve_pid" 2>/dev/null
wait "$serve_pid" 2>/dev/null
serve_pid=""
if grep -q "Sanitizer" "$tmp/serve.err"; then
    no "serve's sanitizers" "$(grep -A5 Sanitizer "$tmp/serve.err" | head -20)"
else
    ok "serve stopped cleanly, no sanitizer report"
fi
echo "1..$n"
