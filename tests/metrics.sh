#!/usr/bin/env bash
# Operating serve (issue 19; docs/operations.md "Logs", "Metrics and health"; docs/api.md):
# /metrics in the Prometheus text format, refused without a token (401) or with a token that is
# not an operator's (403), open on --metrics-listen; a real Prometheus (Debian's prometheus)
# scraping both and answering a query for one of motcua's counters with the expected value; the
# JSON access log, one line per request, with the route pattern and the actor, never the token,
# the citizen identifier, a field value or a query value; X-Request-Id kept when well-formed,
# made otherwise, and echoed; /api/health/live; /api/health/ready answering 503 while another
# process holds SQLite's write lock and while the PostgreSQL server is stopped; bad options.
# What an operator alerts on: open dossiers by procedure and state, overdue, and due past the
# years their calendar covers (counted at most every 5 s), a timer fired by the scheduler, a
# once-only refusal, a rule stopped by its budget, the store's size and waits, on SQLite and PostgreSQL; `promtool check metrics` on the text;
# dist/motcua-alerts.yml through `promtool check rules` and `promtool test rules`
# (tests/fixtures/alerts-test.yml), and loaded by a Prometheus that answers the new metrics.
# Prints TAP lines; run by tools/run-tests.sh as  bash tests/metrics.sh MOTCUA
set -u
bin=${1:?usage: metrics.sh MOTCUA}
tmp=$(mktemp -d)
pids=()
pg_dir=""
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    [ -n "$pg_dir" ] && bash tools/pg-cluster.sh stop "$pg_dir" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/tap.sh"
check() { # check NAME CONDITION-COMMAND… (details in $tmp/why)
    local name=$1
    shift
    if "$@"; then ok "$name"; else fail "$name" "$(head -c 800 "$tmp/why" 2>/dev/null)"; fi
}
for tool in curl python3 prometheus; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "not ok 1 - metrics: $tool is not installed (tools/install-deps.sh)"
        echo "1..1"
        exit 1
    fi
done
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

tok=$tmp/tokens
printf 'operator-secret-0123456789\n' | "$bin" token add --tokens "$tok" --actor ops --roles operator --secret-stdin 2>/dev/null
printf 'clerk-secret-0123456789\n' | "$bin" token add --tokens "$tok" --actor lan --roles clerk --agency commune-committee --secret-stdin 2>/dev/null
ops=operator-secret-0123456789
lan=clerk-secret-0123456789
cccd=079203001234

. tools/serve-lib.sh
mport=$(free_port)
serve_start "$tmp/serve.out" "$tmp/serve.err" "$bin" --tokens "$tok" --db "$tmp/s.db" \
    --catalogue tests/fixtures/cli-catalogue --now 2025-07-14T09:00 \
    --access-log "$tmp/access.log" --metrics-listen "127.0.0.1:$mport"
pids+=("$serve_pid")
url="http://127.0.0.1:$serve_port"
if [ -z "$serve_port" ]; then
    fail "the server starts with --access-log and --metrics-listen" "$(cat "$tmp/serve.err")"
    echo "1..$n"
    exit 1
fi
grep -q "^motcua: metrics at 127.0.0.1:$mport, GET /metrics without a token$" "$tmp/serve.out" &&
    ok "the server says where its metrics are" || fail "the server says where its metrics are" "$(cat "$tmp/serve.out")"

# call TOKEN METHOD PATH [BODY]: prints the status; the body in $tmp/r, the headers in $tmp/h.
call() {
    local token=$1 method=$2 path=$3 body=${4:-}
    local args=(-s -o "$tmp/r" -D "$tmp/h" -w '%{http_code}' --max-time 10 -X "$method")
    [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    echo >>"$tmp/count" # call runs in $(…): a file counts what a variable would lose
    curl "${args[@]}" "${extra[@]}" "$url$path"
}
extra=()

# ---- /metrics: who may read it ----
s=$(call "" GET /metrics)
[ "$s" = 401 ] && ok "/metrics without a token: 401" || fail "/metrics without a token: 401" "status $s" "$(cat "$tmp/r")"
s=$(call "$lan" GET /metrics)
[ "$s" = 403 ] && grep -q '"message": "/metrics needs a token with the operator role"' "$tmp/r" &&
    ok "/metrics with a clerk's token: 403 naming the operator role" ||
    fail "/metrics with a clerk's token: 403 naming the operator role" "status $s" "$(cat "$tmp/r")"

# ---- a few requests, with a citizen's identifier in the body and in a query ----
body="{\"procedure\":\"birth-registration\",\"fields\":{\"citizen-id\":\"$cccd\",\"parents-married\":false},\"attach\":[\"birth-notice\",\"citizen-identity\"]}"
s=$(call "$lan" POST /api/dossiers "$body")
[ "$s" = 201 ] && ok "a dossier is filed" || fail "a dossier is filed" "status $s" "$(cat "$tmp/r")"
s=$(call "$lan" GET /api/dossiers/1)
s2=$(call "$lan" GET "/api/dossiers?state=received&subject=$cccd")
s3=$(call "$lan" GET /api/dossiers/999)
[ "$s" = 200 ] && [ "$s3" = 404 ] && ok "a dossier is read, a missing one is 404" || fail "a dossier is read, a missing one is 404" "$s $s2 $s3"

extra=(-H "X-Request-Id: portal-7f3a.2025:01")
s=$(call "$lan" GET /api/whoami)
tr -d '\r' <"$tmp/h" >"$tmp/hh"
grep -qx "X-Request-Id: portal-7f3a.2025:01" "$tmp/hh" && ok "a well-formed X-Request-Id is echoed" ||
    fail "a well-formed X-Request-Id is echoed" "$(cat "$tmp/hh")"
extra=(-H "X-Request-Id: has space $cccd")
s=$(call "$lan" GET /api/whoami)
tr -d '\r' <"$tmp/h" >"$tmp/hh"
grep -qE "^X-Request-Id: [0-9a-f]{16}$" "$tmp/hh" && ! grep -q "$cccd" "$tmp/hh" &&
    ok "a malformed X-Request-Id is replaced by one the server makes" ||
    fail "a malformed X-Request-Id is replaced by one the server makes" "$(cat "$tmp/hh")"
extra=()
s=$(call "" GET /api/whoami)
tr -d '\r' <"$tmp/h" >"$tmp/hh"
grep -qE "^X-Request-Id: [0-9a-f]{16}$" "$tmp/hh" && ok "a request without one gets one" || fail "a request without one gets one" "$(cat "$tmp/hh")"
gen=$(sed -n 's/^X-Request-Id: //p' "$tmp/hh")

# ---- health ----
s=$(call "" GET /api/health/live)
[ "$s" = 200 ] && grep -q '"status": "live"' "$tmp/r" && ok "/api/health/live: 200 without a token" || fail "/api/health/live: 200 without a token" "$s $(cat "$tmp/r")"
s=$(call "" GET /api/health/ready)
[ "$s" = 200 ] && grep -q '"status": "ready"' "$tmp/r" && ok "/api/health/ready: 200 on a store that takes writes" || fail "/api/health/ready: 200 on a store that takes writes" "$s $(cat "$tmp/r")"
python3 - "$tmp/s.db" "$tmp/locked" <<'PY' &
import sqlite3, sys, time, os
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
while os.path.exists(sys.argv[2]):
    time.sleep(0.05)
c.execute("ROLLBACK")
PY
locker=$!
pids+=("$locker")
for _ in $(seq 100); do [ -e "$tmp/locked" ] && break; sleep 0.05; done
s=$(call "" GET /api/health/ready)
[ "$s" = 503 ] && grep -q '"message": "the store stayed locked by another writer for 200 ms"' "$tmp/r" &&
    ok "/api/health/ready: 503 with the reason while another process holds the write lock" ||
    fail "/api/health/ready: 503 with the reason while another process holds the write lock" "$s $(cat "$tmp/r")"
s=$(call "" GET /api/health)
[ "$s" = 200 ] && ok "... /api/health still answers 200 as before" || fail "... /api/health still answers 200 as before" "$s"
rm -f "$tmp/locked"
wait "$locker"
s=$(call "" GET /api/health/ready)
[ "$s" = 200 ] && ok "... and 200 again once the lock is released" || fail "... and 200 again once the lock is released" "$s $(cat "$tmp/r")"

# ---- the text of /metrics ----
s=$(call "$ops" GET /metrics)
tr -d '\r' <"$tmp/h" >"$tmp/hh"
cp "$tmp/r" "$tmp/metrics.txt"
[ "$s" = 200 ] && grep -qi "^Content-Type: text/plain; version=0.0.4; charset=utf-8$" "$tmp/hh" &&
    ok "/metrics with an operator's token: 200, text/plain version 0.0.4" || fail "/metrics with an operator's token: 200, text/plain version 0.0.4" "$s" "$(cat "$tmp/hh")"
python3 - "$tmp/metrics.txt" >"$tmp/why" 2>&1 <<'PY'
import re, sys
text = open(sys.argv[1]).read()
lines = text.splitlines()
typed, errors = {}, []
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? (\S+)$')
for l in lines:
    if l.startswith("# TYPE "):
        _, _, name, kind = l.split(" ")
        typed[name] = kind
    elif l.startswith("# HELP "):
        pass
    else:
        m = sample.match(l)
        if not m:
            errors.append("not a sample: " + l)
            continue
        base = re.sub(r"_(bucket|sum|count|total)$", "", m.group(1))
        if m.group(1) not in typed and base not in typed and base + "_total" not in typed:
            errors.append("no TYPE before " + l)
        float(m.group(5).replace("+Inf", "inf"))
want = {
    'motcua_http_requests_total{route="POST /api/dossiers",status="201"} 1',
    'motcua_http_requests_total{route="GET /api/dossiers/{id}",status="200"} 1',
    'motcua_http_requests_total{route="GET /api/dossiers/{id}",status="404"} 1',
    'motcua_http_requests_total{route="GET /metrics",status="403"} 1',
    'motcua_http_requests_total{route="GET /api/health/ready",status="503"} 1',
}
for w in want - set(lines):
    errors.append("missing: " + w)
b = [int(l.split()[-1]) for l in lines if l.startswith("motcua_http_request_duration_seconds_bucket")]
c = [int(l.split()[-1]) for l in lines if l.startswith("motcua_http_request_duration_seconds_count")]
if b != sorted(b) or not b or not c or b[-1] != c[0] or 'le="+Inf"' not in text:
    errors.append("histogram buckets not cumulative or +Inf != _count: %s %s" % (b, c))
if typed.get("motcua_http_request_duration_seconds") != "histogram":
    errors.append("the latency is not typed histogram")
print("\n".join(errors))
sys.exit(1 if errors else 0)
PY
[ $? = 0 ] && ok "the exposition parses: TYPE before samples, escaped labels, counts by route pattern and status, cumulative buckets ending in +Inf = _count" ||
    fail "the exposition parses: TYPE before samples, escaped labels, counts by route pattern and status, cumulative buckets ending in +Inf = _count" "$(cat "$tmp/why")"
curl -s -o "$tmp/r" -w '%{http_code}' "http://127.0.0.1:$mport/metrics" >"$tmp/s"
[ "$(cat "$tmp/s")" = 200 ] && grep -q '^motcua_http_requests_total{route="POST /api/dossiers",status="201"} 1$' "$tmp/r" &&
    ok "--metrics-listen answers /metrics without a token" || fail "--metrics-listen answers /metrics without a token" "$(cat "$tmp/s")"
curl -s -o "$tmp/r" -w '%{http_code}' "http://127.0.0.1:$mport/api/dossiers/1" >"$tmp/s"
[ "$(cat "$tmp/s")" = 404 ] && grep -q '"message": "this address answers only GET /metrics"' "$tmp/r" &&
    ok "... and nothing else (the API there is 404)" || fail "... and nothing else (the API there is 404)" "$(cat "$tmp/s") $(cat "$tmp/r")"

# ---- a real Prometheus ----
pport=$(free_port)
mkdir -p "$tmp/prom"
cat >"$tmp/prom/prometheus.yml" <<Y
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: motcua-token
    authorization: { credentials: $ops }
    static_configs: [ { targets: ['127.0.0.1:$serve_port'] } ]
  - job_name: motcua-plain
    static_configs: [ { targets: ['127.0.0.1:$mport'] } ]
Y
prometheus --config.file="$tmp/prom/prometheus.yml" --storage.tsdb.path="$tmp/prom/data" \
    --web.listen-address="127.0.0.1:$pport" >"$tmp/prom/log" 2>&1 &
pids+=("$!")
query() { # query PROMQL: the first result's value, or nothing
    curl -fsG "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
        python3 -c 'import json,sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}
got=""
for _ in $(seq 300); do
    got=$(query 'motcua_http_requests_total{job="motcua-token",route="POST /api/dossiers",status="201"}')
    [ -n "$got" ] && [ -n "$(query 'up{job="motcua-plain"} == 1')" ] && break
    sleep 0.1
done
[ "$got" = 1 ] && ok "Prometheus scrapes /metrics with the operator's token and answers a query: 1 dossier filed" ||
    fail "Prometheus scrapes /metrics with the operator's token and answers a query: 1 dossier filed" "got '$got'" "$(tail -5 "$tmp/prom/log")"
got=$(query 'sum(motcua_http_requests_total{job="motcua-plain",route="GET /api/health/ready"})')
[ "$got" = 3 ] && ok "... and through --metrics-listen: 3 readiness checks" || fail "... and through --metrics-listen: 3 readiness checks" "got '$got'"

# ---- the access log ----
sleep 0.2
python3 - "$tmp/access.log" "$gen" >"$tmp/why" 2>&1 <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
errors = []
keys = ["time", "remote", "actor", "method", "route", "status", "bytes", "ms", "request_id"]
recs = []
for l in lines:
    try:
        d = json.loads(l)
    except ValueError:
        errors.append("not JSON: " + l)
        continue
    if list(d) != keys:
        errors.append("keys %s" % list(d))
    recs.append(d)
def has(**kw):
    return any(all(r.get(k) == v for k, v in kw.items()) for r in recs)
for kw in [dict(route="POST /api/dossiers", status=201, actor="lan", method="POST"),
           dict(route="GET /api/dossiers/{id}", status=200, actor="lan"),
           dict(route="GET /api/dossiers", status=200, actor="lan"),
           dict(route="GET /metrics", status=403, actor="lan"),
           dict(route="GET /metrics", status=200, actor="ops"),
           dict(route="GET /api/health/ready", status=503, actor=None),
           dict(route="GET /api/whoami", request_id="portal-7f3a.2025:01"),
           dict(request_id=sys.argv[2], status=401, actor=None, remote="127.0.0.1")]:
    if not has(**kw):
        errors.append("no line with %s" % kw)
print("\n".join(errors))
sys.exit(1 if errors else 0)
PY
[ $? = 0 ] && ok "the access log: a JSON line per request, route patterns, actors, statuses, request ids" ||
    fail "the access log: a JSON line per request, route patterns, actors, statuses, request ids" "$(cat "$tmp/why")"
lines=$(grep -c . "$tmp/access.log")
requests=$(grep -c '' "$tmp/count")
# Prometheus's scrapes add lines of their own: at least one per request this script sent.
[ "$lines" -ge "$requests" ] && ok "every request sent is in it ($requests or more lines)" || fail "every request sent is in it ($requests or more lines)" "$lines lines"
! grep -q -e "$cccd" -e "$ops" -e "$lan" -e "received" -e "Bearer" "$tmp/access.log" "$tmp/serve.err" "$tmp/serve.out" &&
    ok "no token, identifier (CCCD), field or query value in the logs" ||
    fail "no token, identifier (CCCD), field or query value in the logs" "$(grep -e "$cccd" -e "$ops" -e "$lan" -e received -e Bearer "$tmp/access.log" "$tmp/serve.err" | head -3)"
kill "$serve_pid"

# ---- what an operator alerts on: dossiers, timers, refusals, rules, the store ----
# A catalogue with a procedure whose fee rule never ends (the budget stops it), a registry that
# holds a marriage certificate, and a dossier received on 1 July, overdue since that evening:
# the server, at 14 July, marks it at its first pass.
cat2=$tmp/cat2
cp -r tests/fixtures/cli-catalogue "$cat2"
cat >"$cat2/procedures/civil-status/spin-registration.proc" <<'PROC'
procedure spin-registration {
    code "9.998"
    title "A registration whose fee rule never ends (tests/metrics.sh)"
    agency commune-committee
    effective 2025-07-01
    calendar vn
    time-limit 1wd
    fee rule civil.spin
    subject citizen-id
    lifecycle one-stop
    field citizen-id { type text; required; pattern "[0-9]{12}" }
}
PROC
# The calendar covers 2025 only, and a procedure's 150 working days from July run into 2026: its
# dossier's deadline is flagged (docs/language.md 4.5) and counted as uncovered; the birth
# registrations, due in 2025, are not.
sed -i 's/^    default$/    default\n    covers 2025/' "$cat2/procedures/common/calendar.proc"
cat >"$cat2/procedures/civil-status/long-registration.proc" <<'PROC'
procedure long-registration {
    code "9.997"
    title "A registration whose time limit runs past the calendar's years (tests/metrics.sh)"
    agency commune-committee
    effective 2025-07-01
    calendar vn
    time-limit 150wd
    fee 0 VND
    subject citizen-id
    lifecycle one-stop
    field citizen-id { type text; required; pattern "[0-9]{12}" }
}
PROC
printf '\n-- Never ends (tests/metrics.sh).\nfunction spin(d)\n  local n = 0\n  while true do n = n + 1 end\nend\n' \
    >>"$cat2/rules/civil.lua"
printf 'document,subject,reference,issued\nmarriage-certificate,079123456789,CS-1,2019-05-04\n' >"$tmp/cs.csv"
"$bin" registry import civil-status "$tmp/cs.csv" --catalogue "$cat2" --db "$tmp/o.db" --now 2025-07-01T08:00 >/dev/null
"$bin" submit birth-registration --catalogue "$cat2" --db "$tmp/o.db" --now 2025-07-01T08:00 \
    --field citizen-id=079203001234 --field parents-married=false --attach birth-notice --attach citizen-identity >/dev/null
"$bin" fire 1 receive --as clerk --catalogue "$cat2" --db "$tmp/o.db" --now 2025-07-01T08:10 >/dev/null
mport2=$(free_port)
serve_start "$tmp/o.out" "$tmp/o.err" "$bin" --tokens "$tok" --db "$tmp/o.db" --catalogue "$cat2" \
    --now 2025-07-14T09:00 --metrics-listen "127.0.0.1:$mport2"
pids+=("$serve_pid")
url="http://127.0.0.1:$serve_port"
married="{\"procedure\":\"birth-registration\",\"fields\":{\"citizen-id\":\"079123456789\",\"parents-married\":true},\"attach\":[\"birth-notice\"]}"
single="{\"procedure\":\"birth-registration\",\"fields\":{\"citizen-id\":\"079000000002\",\"parents-married\":false},\"attach\":[\"birth-notice\",\"citizen-identity\"]}"
s1=$(call "$lan" POST /api/dossiers "$married")
s2=$(call "$lan" POST /api/dossiers "$single")
s3=$(call "$lan" POST /api/dossiers/2/events '{"event":"receive"}')
[ "$s1 $s2 $s3" = "201 201 200" ] && ok "operator metrics: two dossiers filed, one received" || fail "operator metrics: two dossiers filed, one received" "$s1 $s2 $s3 $(cat "$tmp/r" "$tmp/o.err")"
s=$(call "$lan" POST /api/dossiers/2/events '{"event":"request-supplement","documents":["marriage-certificate"]}')
[ "$s" = 409 ] && grep -q '"error": "once-only"' "$tmp/r" && ok "... asking for the fetched marriage certificate is refused (once-only)" ||
    fail "... asking for the fetched marriage certificate is refused (once-only)" "$s $(cat "$tmp/r")"
s=$(call "$lan" POST /api/dossiers '{"procedure":"spin-registration","fields":{"citizen-id":"079000000003"}}')
grep -q 'instruction budget exceeded' "$tmp/r" && ok "... a fee rule that never ends is stopped by its budget ($s)" ||
    fail "... a fee rule that never ends is stopped by its budget" "$s $(cat "$tmp/r")"
s1=$(call "$lan" POST /api/dossiers '{"procedure":"long-registration","fields":{"citizen-id":"079000000004"}}')
long=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/r" 2>/dev/null)
s2=$(call "$lan" POST "/api/dossiers/$long/events" '{"event":"receive"}')
[ "$s1 $s2" = "201 200" ] && grep -q '"calendar_uncovered": true' "$tmp/r" &&
    ok "... a dossier due past the calendar's covered years is filed, received and flagged" ||
    fail "... a dossier due past the calendar's covered years is filed, received and flagged" "$s1 $s2 $(cat "$tmp/r")"
# The scheduler's first pass marks dossier 1 overdue; wait for it (a pass a second).
for _ in $(seq 50); do
    curl -s -o "$tmp/m2.txt" "http://127.0.0.1:$mport2/metrics"
    grep -q '^motcua_timers_fired_total 1$' "$tmp/m2.txt" && break
    sleep 0.1
done
python3 - "$tmp/m2.txt" >"$tmp/why" 2>&1 <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
errors = []
want = [
    'motcua_dossiers{procedure="birth-registration",state="processing"} 2',
    'motcua_dossiers{procedure="birth-registration",state="submitted"} 1',
    'motcua_dossiers_overdue{procedure="birth-registration"} 1',
    'motcua_dossiers_calendar_uncovered{procedure="long-registration"} 1',
    'motcua_dossiers_calendar_uncovered{procedure="birth-registration"} 0',
    '# TYPE motcua_dossiers_calendar_uncovered gauge',
    'motcua_onceonly_refusals_total 1',
    'motcua_refusals_total{reason="once-only"} 1',
    'motcua_rule_overruns_total{limit="steps"} 1',
    'motcua_rule_overruns_total{limit="time"} 0',
    'motcua_rule_errors_total 0',
    'motcua_timers_fired_total 1',
    '# TYPE motcua_dossiers gauge',
    '# TYPE motcua_timer_lag_seconds gauge',
    '# TYPE motcua_store_busy_total counter',
]
for w in want:
    if w not in lines:
        errors.append("missing: " + w)
def value(name):
    for l in lines:
        if l.startswith(name + " "):
            return float(l.split()[1])
    errors.append("no sample of " + name)
    return -1
if value("motcua_store_size_bytes") < 4096:
    errors.append("store size under a page")
if value("motcua_timer_last_pass_timestamp_seconds") < 1.7e9:
    errors.append("no last pass time")
if value("motcua_timer_lag_seconds") < 0:
    errors.append("negative lag")
if any(l.startswith("motcua_dossiers{") and "spin-registration" in l for l in lines):
    errors.append("a refused submission counted as a dossier")
print("\n".join(errors))
sys.exit(1 if errors else 0)
PY
[ $? = 0 ] && ok "/metrics: open dossiers by procedure and state, overdue, due past the calendar's years, the timer's firing, once-only refusals, rule overruns, the store's size" ||
    fail "/metrics: open dossiers by procedure and state, overdue, due past the calendar's years, the timer's firing, once-only refusals, rule overruns, the store's size" "$(cat "$tmp/why")" "$(grep -v '^#' "$tmp/m2.txt" | grep -v http_ | head -30)"
if command -v promtool >/dev/null 2>&1; then
    promtool check metrics <"$tmp/m2.txt" >"$tmp/why" 2>&1 &&
        ok "promtool check metrics accepts the exposition (HELP, TYPE, names, units)" ||
        fail "promtool check metrics accepts the exposition (HELP, TYPE, names, units)" "$(cat "$tmp/why")"
    promtool check rules dist/motcua-alerts.yml >"$tmp/why" 2>&1 &&
        ok "promtool check rules accepts dist/motcua-alerts.yml" ||
        fail "promtool check rules accepts dist/motcua-alerts.yml" "$(cat "$tmp/why")"
    promtool test rules tests/fixtures/alerts-test.yml >"$tmp/why" 2>&1 &&
        ok "promtool test rules: the alerts fire on the series they watch, and not on a healthy server" ||
        fail "promtool test rules: the alerts fire on the series they watch, and not on a healthy server" "$(cat "$tmp/why")"
else
    fail "promtool is installed (Debian's prometheus package ships it)"
fi
# Counted at most every 5 s: a dossier filed now shows in a scrape 5 s later, not at once.
s=$(call "$lan" POST /api/dossiers "$single")
curl -s -o "$tmp/m3.txt" "http://127.0.0.1:$mport2/metrics"
sleep 5.2
curl -s -o "$tmp/m4.txt" "http://127.0.0.1:$mport2/metrics"
grep -q '^motcua_dossiers{procedure="birth-registration",state="submitted"} 1$' "$tmp/m3.txt" &&
    grep -q '^motcua_dossiers{procedure="birth-registration",state="submitted"} 2$' "$tmp/m4.txt" &&
    ok "the dossiers are counted at most every 5 s: a third filing shows in the scrape 5 s later" ||
    fail "the dossiers are counted at most every 5 s: a third filing shows in the scrape 5 s later" "$s" "$(grep '^motcua_dossiers{' "$tmp/m3.txt" "$tmp/m4.txt")"
# A real Prometheus, and the figures it answers.
pport2=$(free_port)
mkdir -p "$tmp/prom2"
cat >"$tmp/prom2/prometheus.yml" <<Y
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [ '$PWD/dist/motcua-alerts.yml' ]
scrape_configs:
  - job_name: motcua
    static_configs: [ { targets: ['127.0.0.1:$mport2'] } ]
Y
prometheus --config.file="$tmp/prom2/prometheus.yml" --storage.tsdb.path="$tmp/prom2/data" \
    --web.listen-address="127.0.0.1:$pport2" >"$tmp/prom2/log" 2>&1 &
pids+=("$!")
query2() {
    curl -fsG "http://127.0.0.1:$pport2/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
        python3 -c 'import json,sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}
got=""
for _ in $(seq 300); do
    got=$(query2 'sum(motcua_dossiers{procedure="birth-registration"})')
    [ -n "$got" ] && break
    sleep 0.1
done
g2=$(query2 'motcua_onceonly_refusals_total')
g3=$(query2 'sum(motcua_rule_overruns_total)')
g4=$(query2 'motcua_dossiers_overdue{procedure="birth-registration"}')
[ "$got $g2 $g3 $g4" = "4 1 1 1" ] && ok "Prometheus answers: 4 open dossiers, 1 overdue, 1 once-only refusal, 1 rule overrun" ||
    fail "Prometheus answers: 4 open dossiers, 1 overdue, 1 once-only refusal, 1 rule overrun" "got '$got' '$g2' '$g3' '$g4'" "$(tail -3 "$tmp/prom2/log")"
rules=$(curl -fs "http://127.0.0.1:$pport2/api/v1/rules" | python3 -c 'import json,sys
print(sum(len(g["rules"]) for g in json.load(sys.stdin)["data"]["groups"]))' 2>/dev/null)
want=$(grep -c -- '- alert:' dist/motcua-alerts.yml)
[ -n "$rules" ] && [ "$rules" = "$want" ] && ok "... and loads the alert rules of dist/motcua-alerts.yml ($rules)" ||
    fail "... and loads the alert rules of dist/motcua-alerts.yml" "got '$rules', the file has $want" "$(grep -i error "$tmp/prom2/log" | head -3)"
kill "$serve_pid"

# ---- bad options ----
"$bin" serve --tokens "$tok" --db "$tmp/s.db" --catalogue tests/fixtures/cli-catalogue \
    --metrics-listen localhost:9 >/dev/null 2>"$tmp/e"
rc=$?
[ "$rc" = 2 ] && [ "$(cat "$tmp/e")" = "motcua: --metrics-listen takes ADDRESS:PORT like --listen, not 'localhost:9' (see 'motcua help')" ] &&
    ok "a bad --metrics-listen: exit 2 and one line" || fail "a bad --metrics-listen: exit 2 and one line" "exit $rc" "$(cat "$tmp/e")"
"$bin" serve --tokens "$tok" --db "$tmp/s.db" --catalogue tests/fixtures/cli-catalogue \
    --access-log "$tmp/no/such/dir/access.log" >/dev/null 2>"$tmp/e"
rc=$?
[ "$rc" = 3 ] && [ "$(cat "$tmp/e")" = "motcua: cannot open the access log $tmp/no/such/dir/access.log: No such file or directory" ] &&
    ok "an access log that cannot be opened: exit 3 and one line" || fail "an access log that cannot be opened: exit 3 and one line" "exit $rc" "$(cat "$tmp/e")"

# ---- live registries (issue 20): the connector's counters and breakers ----
# registry blocks in the configuration file: every outcome of each registry from the start (0),
# each breaker closed (and none of them without registry blocks); the look-ups themselves are
# tests/registry.sh's.
printf '%s\n' 'registry civil-status {' '    url "https://127.0.0.1:1/r1/VN/GOV/000.00.00.G01/civil-status/lookup"' \
    '    timeout 500' '    client VN/GOV/000.00.00.H29/motcua' '}' 'registry population { url "https://127.0.0.1:1/lookup" }' \
    >"$tmp/reg.conf"
chmod 600 "$tmp/reg.conf"
serve_start "$tmp/reg.out" "$tmp/reg.err" "$bin" --config "$tmp/reg.conf" --tokens "$tok" \
    --db "$tmp/reg.db" --catalogue tests/fixtures/cli-catalogue --no-timers
pids+=("$serve_pid")
url="http://127.0.0.1:$serve_port"
s=$(call "$ops" GET /metrics)
want='motcua_registry_lookups_total{registry="civil-status",outcome="found"} 0
motcua_registry_lookups_total{registry="civil-status",outcome="not_found"} 0
motcua_registry_lookups_total{registry="civil-status",outcome="unavailable"} 0
motcua_registry_lookups_total{registry="civil-status",outcome="incomplete"} 0
motcua_registry_lookups_total{registry="civil-status",outcome="invalid"} 0
motcua_registry_lookups_total{registry="population",outcome="found"} 0
motcua_registry_lookups_total{registry="population",outcome="not_found"} 0
motcua_registry_lookups_total{registry="population",outcome="unavailable"} 0
motcua_registry_lookups_total{registry="population",outcome="incomplete"} 0
motcua_registry_lookups_total{registry="population",outcome="invalid"} 0
motcua_registry_breaker_open{registry="civil-status"} 0
motcua_registry_breaker_open{registry="population"} 0
motcua_registry_deliveries_total{registry="civil-status",outcome="delivered"} 0
motcua_registry_deliveries_total{registry="civil-status",outcome="failed"} 0
motcua_registry_deliveries_total{registry="population",outcome="delivered"} 0
motcua_registry_deliveries_total{registry="population",outcome="failed"} 0
motcua_registry_deliveries_pending{registry="civil-status"} 0
motcua_registry_deliveries_pending{registry="population"} 0'
got=$(grep '^motcua_registry_' "$tmp/r")
[ "$s" = 200 ] && [ "$got" = "$want" ] && grep -q 'live registries: 2 endpoints configured' "$tmp/reg.err" &&
    ! grep -q '^motcua_registry_' "$tmp/m2.txt" &&
    ok "/metrics: lookups by registry and outcome, each breaker, deliveries and those pending, for the registries of the configuration" ||
    fail "/metrics: lookups by registry and outcome, each breaker, deliveries and those pending, for the registries of the configuration" "$s" "$got" "$(cat "$tmp/reg.err")"
if command -v promtool >/dev/null 2>&1; then
    promtool check metrics <"$tmp/r" >"$tmp/why" 2>&1 &&
        ok "promtool check metrics accepts the registries' metrics" ||
        fail "promtool check metrics accepts the registries' metrics" "$(cat "$tmp/why")"
fi
kill "$serve_pid"

# ---- readiness on PostgreSQL: the server stopped ----
if pg_out=$(bash tools/pg-cluster.sh start 2>&1); then
    pg_dir=$(sed -n 1p <<<"$pg_out")
    pg_conn=$(sed -n 2p <<<"$pg_out")
    serve_start "$tmp/pg.out" "$tmp/pg.err" "$bin" --tokens "$tok" --db "$pg_conn" \
        --catalogue tests/fixtures/cli-catalogue --now 2025-07-14T09:00 --no-timers --access-log "$tmp/pg.log"
    pids+=("$serve_pid")
    url="http://127.0.0.1:$serve_port"
    s=$(call "" GET /api/health/ready)
    [ "$s" = 200 ] && ok "PostgreSQL: /api/health/ready 200 while the server runs" || fail "PostgreSQL: /api/health/ready 200 while the server runs" "$s $(cat "$tmp/r" "$tmp/pg.err")"
    s1=$(call "$lan" POST /api/dossiers "$single")
    s=$(call "$ops" GET /metrics)
    size=$(sed -n 's/^motcua_store_size_bytes \([0-9]*\)$/\1/p' "$tmp/r")
    [ "$s1 $s" = "201 200" ] && grep -q '^motcua_dossiers{procedure="birth-registration",state="submitted"} 1$' "$tmp/r" &&
        [ -n "$size" ] && [ "$size" -gt 1000000 ] &&
        ok "PostgreSQL: /metrics counts the open dossier and gives the database's size ($size bytes)" ||
        fail "PostgreSQL: /metrics counts the open dossier and gives the database's size" "$s1 $s" "$(grep -e '^motcua_dossiers' -e '^motcua_store' "$tmp/r")"
    bash tools/pg-cluster.sh pause "$pg_dir" >/dev/null 2>&1
    s=$(call "" GET /api/health/ready)
    [ "$s" = 503 ] && grep -q '"message": "the database server cannot be reached"' "$tmp/r" && ! grep -q "$pg_conn" "$tmp/r" &&
        ok "... 503 naming the reason, not the connection string, once it is stopped" ||
        fail "... 503 naming the reason, not the connection string, once it is stopped" "$s $(cat "$tmp/r")"
    s=$(call "" GET /api/health/live)
    [ "$s" = 200 ] && ok "... while live still answers 200" || fail "... while live still answers 200" "$s"
    kill "$serve_pid"
else
    fail "PostgreSQL: a throwaway cluster starts (tools/pg-cluster.sh)" "$pg_out"
fi
echo "1..$n"
