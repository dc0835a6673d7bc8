#!/usr/bin/env bash
# motcua benchmarks: `make bench` runs `bash tools/bench.sh BUILD`.
#
# Prints one `bench: NAME key=value ...` line per figure, in the format of ../shared/BENCH.md
# (plain numbers, `.` as the decimal point); progress and diagnostics go to stderr.
# BENCH_QUICK=1 runs every figure at a tenth of its size.
#
# Figures measured so far:
#   lint-national  a synthetic national catalogue (tools/gencat.c: 6500 procedures, one file
#                  each, plus ~5% second versions and a common.proc) is written to
#                  BUILD/bench/national, then `motcua lint --catalogue` runs on it 5 times
#                  under tools/runstat.c; the line gives the median wall time and the largest
#                  peak resident set. A lint that fails aborts the bench (exit 1) and shows
#                  its first diagnostics.
#   lint-annex     the bundled catalogue with procedures/national (Resolution 66.7, annex I),
#                  measured the same way.
#
# The other figures of BENCH.md (rule-call, durable, pg-durable, memory, simulate,
# simulate-study, simulate-memory, report; http to come) each have their own bench_NAME function called from main at the
# bottom; a figure whose part is not built yet is simply absent.
set -euo pipefail
. "$(dirname "$0")/serve-lib.sh"

build=${1:-build}
quick=${BENCH_QUICK:-0}
runs=5

motcua="$build/motcua"
gencat="$build/tools/gencat"
runstat="$build/tools/runstat"

say() {
    printf 'bench.sh: %s\n' "$*" >&2
}

# scale FULL: FULL, or a tenth of it under BENCH_QUICK=1.
scale() {
    if [ "$quick" = 1 ]; then
        echo $(($1 / 10))
    else
        echo "$1"
    fi
}

# median: the middle value of the numbers on stdin (one a line; the lower middle when even).
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# maximum: the largest of the numbers on stdin.
maximum() {
    sort -g | tail -n 1
}

# field KEY LINE: the value of KEY=VALUE in a runstat line.
field() {
    printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# lint_runs NAME DIR N: lints the catalogue DIR (N procedures) `runs` times under runstat and
# prints `bench: NAME procedures=N seconds=MEDIAN peak_mb=MAX`; a failing lint aborts the bench
# (exit 1) and shows its first diagnostics.
lint_runs() {
    local name=$1 dir=$2 n=$3 line secs="" peaks="" i
    for ((i = 1; i <= runs; i++)); do
        line=$("$runstat" -- "$motcua" lint --catalogue "$dir")
        say "$name run $i/$runs: $line"
        if [ "$(field exit "$line")" != 0 ]; then
            echo "bench.sh: $name: '$motcua lint --catalogue $dir' failed; first diagnostics:" >&2
            "$motcua" lint --catalogue "$dir" 2>&1 >/dev/null | head -n 40 >&2 || true
            exit 1
        fi
        secs+="$(field seconds "$line")"$'\n'
        peaks+="$(field peak_mb "$line")"$'\n'
    done
    printf 'bench: %s procedures=%s seconds=%s peak_mb=%s\n' "$name" "$n" \
        "$(printf '%s' "$secs" | median)" "$(printf '%s' "$peaks" | maximum)"
}

bench_lint_national() {
    local n dir
    n=$(scale 6500)
    dir="$build/bench/national"
    rm -rf "$dir"
    say "generating $n procedures into $dir"
    "$gencat" "$dir" "$n" 1 >&2
    lint_runs lint-national "$dir" "$n"
}

# lint-annex: the bundled catalogue with the national catalogue of Resolution 66.7, annex I
# (procedures/national, `make national`, docs/national.md), measured like lint-national.
bench_lint_annex() {
    local n
    n=$("$motcua" lint --catalogue . 2>/dev/null | sed -n 's/^lint: \([0-9]*\) procedure.*/\1/p')
    lint_runs lint-annex . "$n"
}

bench_rule_call() {
    local calls
    calls=$(scale 200000)
    say "rule-call: $calls calls per round"
    "$build/tools/bench_rules" "$calls"
}

bench_durable() {
    local n dir out
    n=$(scale 2000)
    dir="$build/bench/store"
    mkdir -p "$dir"
    say "durable: $n transitions a round"
    out=$("$build/tools/bench_store" "$dir" "$n")
    printf '%s\n' "$out"
}

# pg-durable: transitions through the engine on PostgreSQL from 8 threads, each with its own
# connection, against raw one-row inserts from 8 connections, on a throwaway cluster that
# fsyncs (tools/pg-cluster.sh start --durable), stopped at the end. No server installed: absent.
bench_pg_durable() {
    local n out dir conn
    n=$(scale 250)
    if ! out=$(bash tools/pg-cluster.sh start --durable 2>&1); then
        say "pg-durable: skipped ($out)"
        return 0
    fi
    dir=$(printf '%s\n' "$out" | sed -n 1p)
    conn=$(printf '%s\n' "$out" | sed -n 2p)
    say "pg-durable: 8 threads, $n transitions each a round"
    "$build/tools/bench_pg" "$conn" "$n" || true
    bash tools/pg-cluster.sh stop "$dir"
}

# The timers line: three servers on one PostgreSQL store (a cluster of tests/timers.sh's own),
# 1,000 timers coming due in the same few seconds; how long past its due second the last one
# committed (goal: max_s < 1, docs/operations.md "Timers"). The suite checks only that each fires
# once, never early and within 10 s.
bench_timers() {
    local out line
    say "timers: 3 servers on PostgreSQL, 1,000 timers"
    out=$(MC_TIMERS_BENCH=1 bash tests/timers.sh "$motcua" pg 2>&1)
    line=$(printf '%s\n' "$out" | grep '^bench: timers ')
    if [ -n "$line" ]; then
        echo "$line"
    else
        say "timers: skipped ($(printf '%s\n' "$out" | grep -v '^ok ' | head -n 3 | tr '\n' ' '))"
    fi
}

# fire_setup PORT N: dossiers 1..N of procedure p submitted and received through the API of the
# server on PORT (token bench-secret), ready for tools/bench_http's pause and resume.
fire_setup() {
    local d
    for ((d = 1; d <= $2; d++)); do
        curl -s -o /dev/null -X POST -H "Authorization: Bearer bench-secret" \
            --data "{\"procedure\":\"p\",\"fields\":{\"id\":\"S$d\"}}" \
            "http://127.0.0.1:$1/api/dossiers"
        curl -s -o /dev/null -X POST -H "Authorization: Bearer bench-secret" \
            --data '{"event":"receive"}' "http://127.0.0.1:$1/api/dossiers/$d/events"
    done
}

# http: `motcua serve` on loopback with a file store (each fire one durable transaction, as for
# `durable`), driven by tools/bench_http.c from 4 keep-alive connections at once: fires a second,
# gets a second, the p99 latency of fires, and the ratio of fires to the engine's direct durable
# rate measured just before.
bench_http() {
    local dir port pid line d n each
    dir="$build/bench/http"
    rm -rf "$dir"
    mkdir -p "$dir/procedures"
    cat >"$dir/procedures/p.proc" <<'PROC'
role clerk
lifecycle l {
    state submitted { initial; on receive -> processing by clerk }
    state processing { on pause -> waiting by clerk }
    state waiting { clock paused; on resume -> processing by clerk }
    state done { final; outcome granted }
}
procedure p { time-limit 7wd; lifecycle l; agency bench; subject id
    field id { type text; required } }
PROC
    echo "$("$motcua" hash-token bench-secret) bench clerk bench" >"$dir/tokens"
    n=$(scale 200)
    each=10
    serve_start "$dir/out" "$dir/err" "$motcua" --tokens "$dir/tokens" --db "$dir/h.db" \
        --catalogue "$dir" || true
    pid=$serve_pid
    port=$serve_port
    if [ -z "$port" ]; then
        say "http: the server did not start: $(cat "$dir/err")"
        kill "$pid" 2>/dev/null
        return
    fi
    say "http: $n dossiers, $each fires each, then as many gets; 3 rounds, each after a direct one"
    fire_setup "$port" "$n"
    # The shared disk's flush time moves by a factor of several within a minute: the direct
    # rate is measured again just before each round of the server's, and the ratio is that of
    # the best of three such pairs on each side (bench_store's own convention: the best round is
    # the least disturbed), the server's best round giving the other keys.
    local r lines="" directs="" one direct=""
    mkdir -p "$dir/direct"
    for r in 1 2 3; do
        rm -f "$dir/direct/"*.db*
        one=$("$build/tools/bench_store" "$dir/direct" "$(scale 1000)" |
            sed -n 's/^bench: durable per_s=\([0-9.]*\).*/\1/p')
        directs="$directs$one"$'\n'
        one=$("$build/tools/bench_http" "$port" bench-secret "$n" "$each" 4) || one=""
        [ -n "$one" ] && lines="$lines$one"$'\n'
    done
    line=""
    if [ "$(printf '%s' "$lines" | grep -c fire_per_s)" = 3 ]; then
        local best
        best=$(printf '%s' "$lines" | sed -n 's/.*fire_per_s=\([0-9.]*\).*/\1/p' | maximum)
        line=$(printf '%s' "$lines" | grep "fire_per_s=$best " | head -n 1)
        direct=$(printf '%s' "$directs" | grep . | maximum)
    fi
    # Group commit at work: the writes of the whole run (set-up, fires, the gets' access log)
    # against the COMMITs that carried them.
    local health batch
    health=$(curl -s "http://127.0.0.1:$port/api/health")
    batch=$(printf '%s\n' "$health" | /usr/bin/python3 -c 'import json,sys
g = json.load(sys.stdin).get("group_commit") or {}
print("%.2f" % (g["operations"] / g["commits"]) if g.get("commits") else "")' 2>/dev/null)
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [ -z "$line" ]; then
        say "http: the load run failed"
        return
    fi
    local fire get p99
    fire=$(printf '%s\n' "$line" | sed -n 's/.*fire_per_s=\([0-9.]*\).*/\1/p')
    get=$(printf '%s\n' "$line" | sed -n 's/.*get_per_s=\([0-9.]*\).*/\1/p')
    p99=$(printf '%s\n' "$line" | sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p')
    if [ -n "$direct" ]; then
        echo "bench: http fire_per_s=$fire get_per_s=$get p99_ms=$p99 direct_per_s=$direct ratio=$(
            awk -v a="$fire" -v b="$direct" 'BEGIN { printf "%.2f", a / b }')${batch:+ ops_per_commit=$batch}"
    else
        echo "bench: http fire_per_s=$fire get_per_s=$get p99_ms=$p99${batch:+ ops_per_commit=$batch}"
    fi
}

# registry: `motcua serve` with a live registry (tools/registry_service over mutual TLS, every
# answer 20 ms late): one client submits in a loop, each submit with three live look-ups, while
# four fire as for `http`; the submits' p50 and p99, the fires a second meanwhile against the
# same four clients' fires with no registry traffic, on the same server, in the runs' order
# base, with, with, base.
bench_registry() {
    local dir n each conf line base with p50 p99 fire
    dir="$build/bench/registry"
    rm -rf "$dir"
    mkdir -p "$dir/cat/procedures"
    chmod 700 "$dir"
    if ! command -v openssl >/dev/null || [ ! -x "$build/tools/registry_service" ]; then
        say "registry: skipped (openssl or build/tools/registry_service missing)"
        return 0
    fi
    (
        cd "$dir" || exit 1
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
            -subj "/CN=bench CA" 2>/dev/null &&
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
                -subj "/CN=localhost" 2>/dev/null &&
            printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >s.ext &&
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
                -out server.pem -days 2 -extfile s.ext 2>/dev/null &&
            openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr \
                -subj "/CN=motcua bench" 2>/dev/null &&
            printf 'extendedKeyUsage=clientAuth\n' >c.ext &&
            openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
                -out client.pem -days 2 -extfile c.ext 2>/dev/null &&
            chmod 600 client.key
    ) || {
        say "registry: the test certificates could not be made"
        return 0
    }
    local i
    for ((i = 1; i <= 20000; i++)); do
        printf 'R%d,found,REC-%d,2020-01-01\n' "$i" "$i"
    done >"$dir/records.csv"
    "$build/tools/registry_service" --port 0 --cert "$dir/server.pem" --key "$dir/server.key" \
        --ca "$dir/ca.pem" --records "$dir/records.csv" --delay 20 --log "$dir/service.log" \
        >"$dir/service.port" 2>>"$dir/service.log" &
    local spid=$! sport=""
    for _ in $(seq 50); do
        sport=$(sed -n 's/^port //p' "$dir/service.port")
        [ -n "$sport" ] && break
        sleep 0.1
    done
    cat >"$dir/cat/procedures/p.proc" <<'PROC'
role clerk
document doc-a { title "A" }
document doc-b { title "B" }
document doc-c { title "C" }
registry reg { live; holds doc-a doc-b doc-c }
lifecycle l {
    state submitted { initial; on receive -> processing by clerk }
    state processing { on pause -> waiting by clerk }
    state waiting { clock paused; on resume -> processing by clerk }
    state done { final; outcome granted }
}
procedure p { time-limit 7wd; lifecycle l; agency bench; subject id
    field id { type text; required } }
procedure q { time-limit 7wd; lifecycle l; agency bench; subject id
    field id { type text; required }
    requires doc-a
    requires doc-b
    requires doc-c }
PROC
    {
        echo "$("$motcua" hash-token bench-secret) bench clerk bench"
        echo "$("$motcua" hash-token portal-secret) portal clerk bench"
    } >"$dir/tokens"
    conf="$dir/motcua.conf"
    cat >"$conf" <<CONF
tokens tokens
db r.db
catalogue cat
registry reg {
    url "https://localhost:$sport/"
    ca ca.pem
    cert client.pem
    key client.key
    timeout 2000
    client VN/GOV/bench/motcua
}
CONF
    chmod 600 "$conf"
    n=$(scale 500)
    each=10
    serve_start "$dir/out" "$dir/err" "$motcua" --config "$conf" || true
    if [ -z "$sport" ] || [ -z "$serve_port" ]; then
        say "registry: the service or the server did not start: $(tail -n 2 "$dir/err" "$dir/service.log")"
        kill "$serve_pid" "$spid" 2>/dev/null || true
        wait 2>/dev/null || true
        return 0
    fi
    say "registry: $n dossiers, $each fires each, then again with a submitter of three live look-ups"
    fire_setup "$serve_port" "$n"
    # In the order base, with, with, base (counterbalanced): each run adds ten events to every
    # dossier, and a later run's requests cost more for it; the two orders' drifts cancel.
    local base2 with2
    base=$("$build/tools/bench_http" "$serve_port" bench-secret "$n" "$each" 4) || base=""
    with=$("$build/tools/bench_http" "$serve_port" bench-secret "$n" "$each" 4 portal-secret \
        '{"procedure":"q","fields":{"id":"R%d"}}') || with=""
    with2=$("$build/tools/bench_http" "$serve_port" bench-secret "$n" "$each" 4 portal-secret \
        '{"procedure":"q","fields":{"id":"S%d"}}') || with=""
    base2=$("$build/tools/bench_http" "$serve_port" bench-secret "$n" "$each" 4) || base=""
    local fetched
    fetched=$(curl -s -H "Authorization: Bearer portal-secret" \
        "http://127.0.0.1:$serve_port/api/dossiers/$((n + 1))" |
        grep -o '"status": *"fetched"' | wc -l)
    kill "$serve_pid" "$spid" 2>/dev/null || true
    wait "$serve_pid" "$spid" 2>/dev/null || true
    if [ -z "$base" ] || [ -z "$with" ]; then
        say "registry: the load run failed: $(tail -n 3 "$dir/err")"
        return 0
    fi
    # the mean of the two runs of each kind; the submits' p50 the mean of both, p99 the worse
    local submits
    # (not `field`: a function defined here would replace the one above for the benches after)
    kv() { printf '%s\n' "$1" | sed -n "s/.*$2=\\([0-9.]*\\).*/\\1/p"; }
    base=$(awk -v a="$(kv "$base" fire_per_s)" -v b="$(kv "$base2" fire_per_s)" \
        'BEGIN { printf "%.0f", (a + b) / 2 }')
    fire=$(awk -v a="$(kv "$with" fire_per_s)" -v b="$(kv "$with2" fire_per_s)" \
        'BEGIN { printf "%.0f", (a + b) / 2 }')
    p50=$(awk -v a="$(kv "$with" submit_p50_ms)" -v b="$(kv "$with2" submit_p50_ms)" \
        'BEGIN { printf "%.2f", (a + b) / 2 }')
    p99=$(awk -v a="$(kv "$with" submit_p99_ms)" -v b="$(kv "$with2" submit_p99_ms)" \
        'BEGIN { printf "%.2f", (a > b ? a : b) }')
    submits=$(($(kv "$with" submits) + $(kv "$with2" submits)))
    echo "bench: registry p50_ms=$p50 p99_ms=$p99 fire_per_s=$fire base_fire_per_s=$base ratio=$(
        awk -v a="$fire" -v b="$base" 'BEGIN { printf "%.2f", a / b }') submits=$submits fetched_of_first=$fetched"
}

bench_report() {
    local n dir
    n=$(scale 1000000)
    dir="$build/bench/store"
    mkdir -p "$dir"
    say "report: $n dossiers"
    "$build/tools/bench_report" "$dir" "$n"
}

# simulate: dossiers a second through the real engine (tools/bench_simulate.c) against the
# XState peer (../shared/bench/peers/xstate-dossier.mjs) on the same lifecycle, same run. The
# peer is copied into BUILD/bench/peers and installed there with `npm ci` (never in ../shared).
# Without node, or when the install fails, the motcua figure is printed alone and stderr says
# why. Each side runs three times; the best run of each is kept.
bench_simulate() {
    local n peers here best="" xbest="" i line v
    n=$(scale 200000)
    here=$(cd "$(dirname "$0")" && pwd)
    peers="$here/../../shared/bench/peers"
    say "simulate: $n dossiers a run, 3 runs each"
    for i in 1 2 3; do
        line=$("$build/tools/bench_simulate" "$n")
        v=$(printf '%s\n' "$line" | sed -n 's/.*dossiers_per_s=\([0-9.]*\).*/\1/p')
        best=$(printf '%s\n%s\n' "$best" "$v" | maximum)
    done
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        say "simulate: node or npm is missing; xstate_per_s and ratio are left out"
    elif [ ! -f "$peers/xstate-dossier.mjs" ]; then
        say "simulate: $peers is missing; xstate_per_s and ratio are left out"
    else
        mkdir -p "$build/bench/peers"
        cp "$peers/package.json" "$peers/package-lock.json" "$peers/xstate-dossier.mjs" \
            "$build/bench/peers/"
        if [ ! -d "$build/bench/peers/node_modules/xstate" ] &&
            ! (cd "$build/bench/peers" && npm ci --silent --no-audit --no-fund >&2); then
            say "simulate: npm ci failed; xstate_per_s and ratio are left out"
        else
            for i in 1 2 3; do
                line=$(node "$build/bench/peers/xstate-dossier.mjs" "$n") || {
                    say "simulate: the XState peer failed"
                    xbest=""
                    break
                }
                v=$(printf '%s\n' "$line" | sed -n 's/.*dossiers_per_s=\([0-9.]*\).*/\1/p')
                xbest=$(printf '%s\n%s\n' "$xbest" "$v" | maximum)
            done
        fi
    fi
    if [ -n "$xbest" ]; then
        echo "bench: simulate dossiers=$n per_s=$best xstate_per_s=$xbest ratio=$(
            awk -v a="$best" -v b="$xbest" 'BEGIN { printf "%.2f", a / b }')"
    else
        echo "bench: simulate dossiers=$n per_s=$best"
    fi
}

# simulate-study: the study of issue 23, `motcua simulate --reform data-simplification-2026` of
# a million dossiers of the bundled catalogue, baseline and reform, under tools/runstat.c, with
# --jobs 1 and then --jobs 2, best of 2 runs each; speedup = seconds / seconds_jobs2. A run that
# fails aborts the bench; so does a --jobs 2 run whose output is not the --jobs 1 run's.
bench_simulate_study() {
    local n here i j line best out
    n=$(scale 1000000)
    here=$(cd "$(dirname "$0")/.." && pwd)
    say "simulate-study: $n dossiers, baseline and reform, --jobs 1 and --jobs 2, best of 2"
    declare -A best=()
    for j in 1 2; do
        for i in 1 2; do
            out="$build/bench/study-jobs$j.csv"
            mkdir -p "$build/bench"
            line=$("$runstat" -o "$out" -- "$motcua" simulate --catalogue "$here" \
                --reform data-simplification-2026 --dossiers "$n" --seed 1 --from 2026-01-15 \
                --format csv --jobs "$j")
            say "simulate-study --jobs $j run $i/2: $line"
            if [ "$(field exit "$line")" != 0 ]; then
                echo "bench.sh: simulate-study: motcua simulate --jobs $j failed ($line)" >&2
                exit 1
            fi
            best[$j]=$(printf '%s\n%s\n' "${best[$j]:-}" "$(field seconds "$line")" |
                sed '/^$/d' | sort -g | head -n 1)
        done
    done
    if ! cmp -s "$build/bench/study-jobs1.csv" "$build/bench/study-jobs2.csv"; then
        echo "bench.sh: simulate-study: --jobs 2 printed other figures than --jobs 1" >&2
        exit 1
    fi
    echo "bench: simulate-study dossiers=$n seconds=${best[1]} seconds_jobs2=${best[2]} speedup=$(
        awk -v a="${best[1]}" -v b="${best[2]}" 'BEGIN { printf "%.2f", a / b }')"
}

# simulate-memory: `motcua simulate` of 10 million dossiers of the bundled catalogue (real
# rules, calendars, coverage), baseline only, on two threads (--jobs 2), under tools/runstat.c:
# its peak resident set. The dossiers a second of that run go to stderr.
bench_simulate_memory() {
    local n line here
    n=$(scale 10000000)
    here=$(cd "$(dirname "$0")/.." && pwd)
    say "simulate-memory: $n dossiers of the bundled catalogue"
    line=$("$runstat" -- "$motcua" simulate --catalogue "$here" --dossiers "$n" --seed 1 \
        --from 2026-01-01 --format csv --jobs 2)
    if [ "$(field exit "$line")" != 0 ]; then
        echo "bench.sh: simulate-memory: motcua simulate failed ($line)" >&2
        exit 1
    fi
    say "simulate-memory: $line ($(awk -v n="$n" -v s="$(field seconds "$line")" \
        'BEGIN { printf "%.0f", n / s }') dossiers/s)"
    echo "bench: simulate-memory dossiers=$n peak_mb=$(field peak_mb "$line")"
}

# queue: GET /api/dossiers at a million dossiers (tools/genqueue.c writes them through the
# store in transactions of 20,000: about 40 s on SQLite). `motcua serve` of the test catalogue
# on loopback; 300 first pages (50 rows, overdue first) and 300 searches by subject (q=, each a
# different dossier's), one keep-alive connection, one at a time; p99 of each. The same on
# PostgreSQL (a --durable cluster of tools/pg-cluster.sh), at the same size, is printed beside
# as pg_page_p99_ms, pg_search_p99_ms and pg_name_p99_ms (pg_dossiers: the size): genqueue
# writes a PostgreSQL store with COPY in one transaction, a million dossiers in about a minute.
# No server installed: those keys are absent.
queue_measure() { # queue_measure DB DOSSIERS: prints "PAGE_P99 SEARCH_P99 NAME_P99"
    local db=$1 n=$2 dir="$build/bench/queue"
    serve_start "$dir/out" "$dir/err" "$motcua" --tokens "$dir/tokens" --db "$db" \
        --catalogue tests/fixtures/cli-catalogue --now 2025-07-14T09:00 --no-timers || true
    if [ -z "$serve_port" ]; then
        say "queue: the server did not start: $(cat "$dir/err")"
        kill "$serve_pid" 2>/dev/null || true
        return 1
    fi
    /usr/bin/python3 - "$serve_port" "$n" <<'PY' || true
import http.client, json, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port)
h = {"Authorization": "Bearer bench-secret"}
def timed(path):
    t = time.perf_counter()
    c.request("GET", path, headers=h)
    r = c.getresponse()
    body = r.read()
    ms = (time.perf_counter() - t) * 1000
    assert r.status == 200, (r.status, body[:200])
    return ms, json.loads(body)
def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * 0.99))]
timed("/api/dossiers")  # the first tick
page = []
for _ in range(300):
    ms, d = timed("/api/dossiers")
    assert len(d["dossiers"]) == 50 and d["dossiers"][0]["overdue"], d["dossiers"][:1]
    page.append(ms)
search = []
for k in range(300):
    i = 1 + (k * 7919) % n
    ms, d = timed("/api/dossiers?final=include&q=0791%08d" % i)
    assert [x["id"] for x in d["dossiers"]] == [i], (i, d)
    search.append(ms)
# A search by the applicant's name, typed without accents: genqueue's names (name_of), folded.
family = ["nguyen", "nguyen", "nguyen", "nguyen", "tran", "le", "pham", "hoang", "huynh", "phan",
          "vu", "vo", "dang", "bui", "do", "ho", "ngo", "duong"]
middle = ["van", "thi", "huu", "duc", "minh", "ngoc", "thanh", "quoc"]
given = ["an", "anh", "binh", "chau", "chi", "cuong", "dung", "dung", "dao", "dat", "giang", "ha",
         "hai", "hanh", "hieu", "hoa", "hung", "huong", "khanh", "lan", "linh", "long", "mai",
         "minh", "nam", "nga", "ngoc", "phong", "phuc", "phuong", "quan", "quang", "son", "tam",
         "thao", "thang", "thu", "trang", "tuan", "yen"]
name = []
for k in range(300):
    x = ((1 + (k * 7919) % n) * 2654435761) % 2**64
    x ^= x >> 13
    x = (x * 0x5bd1e995) % 2**64
    x ^= x >> 15
    q = "%s %s %s" % (family[x % 18], middle[(x // 18) % 8], given[(x // 144) % 40])
    ms, d = timed("/api/dossiers?final=include&q=" + q.replace(" ", "%20"))
    assert d["dossiers"], q
    name.append(ms)
print("%.2f %.2f %.2f" % (p99(page), p99(search), p99(name)))
PY
    kill "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
}

bench_queue() {
    local dir="$build/bench/queue" n out pg="" pgdir conn t
    n=$(scale 1000000)
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "$("$motcua" hash-token bench-secret) bench clerk commune-committee" >"$dir/tokens"
    chmod 600 "$dir/tokens"
    t=$SECONDS
    "$build/tools/genqueue" "$dir/q.db" "$n" >&2 || return 0
    out=$(queue_measure "$dir/q.db" "$n") || return 0
    say "queue: SQLite set-up and measure in $((SECONDS - t)) s"
    if pgout=$(bash tools/pg-cluster.sh start --durable 2>&1); then
        pgdir=$(printf '%s\n' "$pgout" | sed -n 1p)
        conn=$(printf '%s\n' "$pgout" | sed -n 2p)
        t=$SECONDS
        if "$build/tools/genqueue" "$conn" "$n" >&2; then
            pg=$(queue_measure "$conn" "$n") || pg=""
        fi
        say "queue: PostgreSQL set-up and measure in $((SECONDS - t)) s"
        bash tools/pg-cluster.sh stop "$pgdir"
    else
        say "queue: no PostgreSQL figures ($pgout)"
    fi
    set -- $out
    [ -n "${1:-}" ] || return 0
    if [ -n "$pg" ]; then
        local p1 p2 p3
        read -r p1 p2 p3 <<<"$pg"
        echo "bench: queue dossiers=$n page_p99_ms=$1 search_p99_ms=$2 name_p99_ms=$3 pg_dossiers=$n pg_page_p99_ms=$p1 pg_search_p99_ms=$p2 pg_name_p99_ms=$p3"
    else
        echo "bench: queue dossiers=$n page_p99_ms=$1 search_p99_ms=$2 name_p99_ms=$3"
    fi
    rm -rf "$dir"
}

main() {
    local tool
    for tool in "$motcua" "$gencat" "$runstat"; do
        if [ ! -x "$tool" ]; then
            echo "bench.sh: $tool is missing; run make first" >&2
            exit 1
        fi
    done
    bench_lint_national
    bench_lint_annex
    bench_rule_call
    bench_durable
    bench_pg_durable
    bench_timers
    bench_http
    bench_registry
    bench_report
    bench_simulate
    bench_simulate_study
    bench_simulate_memory
    bench_queue
}

main
