#!/usr/bin/env bash
# Runs every cmocka suite of BUILD (TAP output) and the checks on the bundled catalogue, then
# prints the combined closing line "N passed, N failed". Exit status 1 when anything failed.
set -u
build=${1:-build}
passed=0
failed=0
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1)
    rc=$?
    p=$(printf '%s\n' "$out" | grep -c '^ok ')
    f=$(printf '%s\n' "$out" | grep -c '^not ok ')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # crashed or aborted outside a test case
    fi
    if [ "$f" -ne 0 ]; then
        printf '%s\n' "$out" | grep -v '^ok ' | sed "s|^|$(basename "$t"): |"
    fi
    echo "$(basename "$t"): $p passed, $f failed"
    passed=$((passed + p))
    failed=$((failed + f))
done

# The store and the engine (and measured coverage, test_cost) on PostgreSQL: a throwaway cluster (tools/pg-cluster.sh), their
# suites and the timer batches' again with MC_TEST_PG naming it (each store a schema of its
# own), tests/pg.sh, and the HTTP API tests on it, then the cluster stopped. Once, not again under ASan (build-asan). A server that cannot start fails the pass
# when CI is set, and is reported as skipped otherwise.
pg_dir=""
if [ "$(basename "$build")" != build-asan ]; then
    if pg_out=$(bash tools/pg-cluster.sh start 2>&1); then
        pg_dir=$(printf '%s\n' "$pg_out" | sed -n 1p)
        pg_conn=$(printf '%s\n' "$pg_out" | sed -n 2p)
        for t in "$build"/tests/test_store "$build"/tests/test_checkpoint "$build"/tests/test_engine "$build"/tests/test_wake "$build"/tests/test_cost; do
            [ -x "$t" ] || continue
            out=$(MC_TEST_PG="$pg_conn" CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1)
            rc=$?
            p=$(printf '%s\n' "$out" | grep -c '^ok ')
            f=$(printf '%s\n' "$out" | grep -c '^not ok ')
            [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
            [ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | sed "s|^|$(basename "$t") (postgresql): |"
            echo "$(basename "$t") (postgresql): $p passed, $f failed"
            passed=$((passed + p))
            failed=$((failed + f))
        done
        # The command line on PostgreSQL (TAP): processes at once, store copy, a database down.
        out=$(bash tests/pg.sh "$build/motcua" "$pg_conn" 2>&1)
        p=$(printf '%s\n' "$out" | grep -c '^ok ')
        f=$(printf '%s\n' "$out" | grep -c '^not ok ')
        [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
        [ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/cli (postgresql): /'
        echo "cli (postgresql): $p passed, $f failed"
        passed=$((passed + p))
        failed=$((failed + f))
        # The HTTP API tests again, their stores in the cluster.
        out=$(MC_TEST_PG="$pg_conn" bash tests/api.sh "$build/motcua" 2>&1)
        p=$(printf '%s\n' "$out" | grep -c '^ok ')
        f=$(printf '%s\n' "$out" | grep -c '^not ok ')
        [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
        [ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/api (postgresql): /'
        echo "api (postgresql): $p passed, $f failed"
        passed=$((passed + p))
        failed=$((failed + f))
        # Timers fired by three servers on one store (tests/timers.sh, a cluster of its own).
        out=$(bash tests/timers.sh "$build/motcua" pg 2>&1)
        p=$(printf '%s\n' "$out" | grep -c '^ok ')
        f=$(printf '%s\n' "$out" | grep -c '^not ok ')
        [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
        [ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/timers (postgresql): /'
        echo "timers (postgresql): $p passed, $f failed"
        passed=$((passed + p))
        failed=$((failed + f))
        # ---- suites on PostgreSQL (helper suites): the command-line tests, store copy of
        # 100,000 dossiers, several servers on one database. Each script prints TAP; one that
        # prints nothing fails.
        pg_suite() { # pg_suite NAME COMMAND…
            local name=$1 out p f
            shift
            out=$("$@" 2>&1)
            p=$(printf '%s\n' "$out" | grep -c '^ok ')
            f=$(printf '%s\n' "$out" | grep -c '^not ok ')
            [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
            [ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | sed "s/^/$name: /"
            printf '%s\n' "$out" | grep '^# copy: ' | sed "s/^# /$name: /"
            echo "$name: $p passed, $f failed"
            passed=$((passed + p))
            failed=$((failed + f))
        }
        MC_TEST_PG="$pg_conn" pg_suite "cli suite (postgresql)" bash tests/cli.sh "$build/motcua"
        pg_suite "copy (postgresql)" bash tests/copy.sh "$build/motcua" "$build/tools/genstore" "$pg_conn"
        pg_suite "multinode (postgresql)" bash tests/multinode.sh "$build/motcua" "$pg_conn"
        # Explicit migrations of a PostgreSQL store of version 4 (tests/migrate.sh, issue 19).
        pg_suite "migrate (postgresql)" bash tests/migrate.sh "$build/motcua" "$build/tools/oldstore" "$pg_conn"
        # ---- end of suites on PostgreSQL
        # ---- the queue on PostgreSQL (helper opsqueue): pages, filters, cursors (tests/queue.sh)
        MC_TEST_PG="$pg_conn" pg_suite "queue (postgresql)" bash tests/queue.sh "$build/motcua"
        # ---- end of the queue on PostgreSQL
        # ---- the desk on PostgreSQL: the preview's reads, the tracking, the officers (tests/desk.sh)
        MC_TEST_PG="$pg_conn" pg_suite "desk (postgresql)" timeout 180 bash tests/desk.sh "$build/motcua"
    elif [ -n "${CI:-}" ]; then
        echo "postgresql: $pg_out"
        echo "postgresql: 0 passed, 1 failed"
        failed=$((failed + 1))
    else
        echo "postgresql: skipped ($pg_out)"
    fi
fi
pg_stop() {
    [ -n "$pg_dir" ] && bash tools/pg-cluster.sh stop "$pg_dir"
    pg_dir=""
}
trap pg_stop EXIT

# Failover to a hot standby (tests/failover.sh, TAP): a primary and a synchronous standby of its
# own, serve on both, the primary killed mid-stream and the standby promoted; its figures are
# printed. Under ASan too: it is the one test of the reconnecting paths, and serve's sanitizer
# report is checked. A server that cannot start fails it: it never skips.
out=$(timeout 600 bash tests/failover.sh "$build/motcua" 2>&1)
p=$(printf '%s\n' "$out" | grep -c '^ok ')
f=$(printf '%s\n' "$out" | grep -c '^not ok ')
[ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
[ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/failover (postgresql): /'
[ "$f" -eq 0 ] && printf '%s\n' "$out" | grep '^# failover: phase' | sed 's/^# //'
echo "failover (postgresql): $p passed, $f failed"
passed=$((passed + p))
failed=$((failed + f))

# The layers: no file includes a header of a higher layer (tools/check-layers.sh).
out=$(bash tools/check-layers.sh 2>&1)
p=$(printf '%s\n' "$out" | grep -c '^ok ')
f=$(printf '%s\n' "$out" | grep -c '^not ok ')
[ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/layers: /'
[ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
echo "layers: $p passed, $f failed"
passed=$((passed + p))
failed=$((failed + f))

# Command-line tests (TAP).
out=$(bash tests/cli.sh "$build/motcua" 2>&1)
p=$(printf '%s\n' "$out" | grep -c '^ok ')
f=$(printf '%s\n' "$out" | grep -c '^not ok ')
[ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/cli: /'
echo "cli: $p passed, $f failed"
passed=$((passed + p))
failed=$((failed + f))

# tap_suite NAME COMMAND…: runs a script that prints TAP, shows its failures (all of its output
# when it printed no result: a script that cannot run fails) and adds its counts to the totals.
tap_suite() {
    local name=$1 out p f
    shift
    out=$("$@" 2>&1)
    p=$(printf '%s\n' "$out" | grep -c '^ok ')
    f=$(printf '%s\n' "$out" | grep -c '^not ok ')
    [ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | sed "s/^/$name: /"
    [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && { printf '%s\n' "$out" | sed "s/^/$name: /"; f=1; }
    echo "$name: $p passed, $f failed"
    passed=$((passed + p))
    failed=$((failed + f))
}

# HTTP API tests (TAP): a server of the test catalogue on a free loopback port.
tap_suite "api" bash tests/api.sh "$build/motcua"

# The queue (TAP): GET /api/dossiers in pages, its filters and cursors (tests/queue.sh).
tap_suite "queue" bash tests/queue.sh "$build/motcua"

# The one-stop desk's back end (TAP): the preview, the citizen's tracking and its limit per
# address, the indicators per officer (tests/desk.sh, issue 21).
tap_suite "desk" timeout 180 bash tests/desk.sh "$build/motcua"

# Timers fired by the server (TAP): one server on a SQLite file, `motcua tick` beside it.
out=$(bash tests/timers.sh "$build/motcua" 2>&1)
p=$(printf '%s\n' "$out" | grep -c '^ok ')
f=$(printf '%s\n' "$out" | grep -c '^not ok ')
[ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
[ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/timers: /'
echo "timers: $p passed, $f failed"
passed=$((passed + p))
failed=$((failed + f))

# Backups and private stores (TAP, tests/backup.sh): a restore drill under a write stream, the
# failure paths of backup, verify of files that are not stores, the modes of a new store.
out=$(timeout 300 bash tests/backup.sh "$build/motcua" 2>&1)
p=$(printf '%s\n' "$out" | grep -c '^ok ')
f=$(printf '%s\n' "$out" | grep -c '^not ok ')
[ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
[ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/backup: /'
echo "backup: $p passed, $f failed"
passed=$((passed + p))
failed=$((failed + f))

# Explicit migrations (TAP, tests/migrate.sh, issue 19): a store of version 1 refused by the
# commands, verified and backed up as it is, migrated by `motcua migrate` and `serve --migrate`.
tap_suite "migrate" timeout 300 bash tests/migrate.sh "$build/motcua" "$build/tools/oldstore"

# Attacks on the HTTP server (TAP): slow clients, shared idempotency keys, endless rules.
tap_suite "attack" bash tests/attack.sh "$build/motcua"

# The live registries' connector against a test registry over mutual TLS (tests/registry.sh,
# issue 20): a throwaway authority, tools/registry_service on loopback, build/tests/test_connect.
# (240 s: a dossier waiting for the registry is fetched at its first try, a minute later)
tap_suite "registry" timeout 240 bash tests/registry.sh "$build"

# Tokens (TAP): the token command, several agencies, reload on SIGHUP, IPv6 and bad listen
# addresses (tests/tokens.sh).
tap_suite "tokens" timeout 300 bash tests/tokens.sh "$build/motcua"

# serve's configuration file and error log (tests/config.sh, TAP): dist/motcua.conf loaded, the
# command line over the file, each mistake at its FILE:LINE:COL, --log-level, no personal data.
tap_suite "config" timeout 120 bash tests/config.sh "$build/motcua"

# Operating serve (tests/metrics.sh, TAP): /metrics scraped by a real Prometheus, the JSON access
# log without secrets, X-Request-Id, /api/health/live and /ready (a locked SQLite store, a stopped
# PostgreSQL server). prometheus is installed by tools/install-deps.sh; without it, it fails.
tap_suite "metrics" timeout 300 bash tests/metrics.sh "$build/motcua"
# Safe catalogue deployments (TAP): dossiers on their stored procedure text, deploy-check,
# serve's refusal of a catalogue that breaks open dossiers and its reload on SIGHUP, due
# instants moved by a calendar change (tests/deploy.sh).
tap_suite "deploy" timeout 120 bash tests/deploy.sh "$build/motcua"

# motcua behind nginx terminating TLS, and the systemd unit (tests/nginx.sh, TAP): nginx and
# openssl are installed by tools/install-deps.sh; without them it fails, never skips.
tap_suite "nginx" timeout 120 bash tests/nginx.sh "$build/motcua"

# The officer console in headless Chromium (tools/check-console.sh); skipped without Chromium,
# node or npm.
out=$(bash tools/check-console.sh "$build/motcua" "$build/console.png" 2>&1)
rc=$?
if [ "$rc" -eq 77 ]; then
    echo "console: skipped ($(printf '%s\n' "$out" | tail -n 1))"
else
    p=$(printf '%s\n' "$out" | grep -c '^ok ')
    f=$(printf '%s\n' "$out" | grep -c '^not ok ')
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    [ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/console: /'
    echo "console: $p passed, $f failed"
    passed=$((passed + p))
    failed=$((failed + f))
fi

# The bundled catalogue must lint clean (warnings allowed).
if "$build"/motcua lint --catalogue . >/dev/null 2>"$build/lint-bundled.log"; then
    echo "bundled catalogue: lint ok"
    passed=$((passed + 1))
else
    cat "$build/lint-bundled.log"
    echo "bundled catalogue: lint FAILED"
    failed=$((failed + 1))
fi

# The bundled scenarios (SPEC §7), run by motcua itself.
out=$("$build"/motcua test tests/scenarios --catalogue . 2>&1)
rc=$?
last=$(printf '%s\n' "$out" | tail -n 1)
if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    p=${BASH_REMATCH[1]}
    f=${BASH_REMATCH[2]}
else
    p=0
    f=1
fi
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1 # a scenario file with errors runs nothing but still prints a closing line
fi
[ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/scenarios: /'
echo "scenarios: $p passed, $f failed"
passed=$((passed + p))
failed=$((failed + f))

# The pages of `cost --html`, `simulate --html` and `report --html` on the bundled catalogue,
# rendered by a real browser (tools/check-html.sh): one pass or failure each; skipped without
# Chromium.
pages="$build/pages"
rm -rf "$pages"
mkdir -p "$pages"
m() { "$build"/motcua "$@" --catalogue . --db "$pages/report.db" >/dev/null 2>>"$pages/make.log"; }
"$build"/motcua cost --reform data-simplification-2026 --date 2026-01-15 --catalogue . \
    --html "$pages/cost.html" >/dev/null 2>"$pages/make.log"
"$build"/motcua simulate --reform data-simplification-2026 --from 2026-01-15 --dossiers 2000 \
    --catalogue . --html "$pages/simulate.html" >/dev/null 2>>"$pages/make.log"
m submit birth-registration --field citizen-id=079123456789 --field parents-married=false \
    --attach birth-declaration --attach birth-notice --attach citizen-identity --now 2025-07-14T09:00
m fire 1 receive --as clerk --now 2025-07-14T09:20
m fire 1 assign --as clerk --now 2025-07-14T09:25
m fire 1 approve --as head --now 2025-07-14T10:00
m fire 1 return-result --as clerk --now 2025-07-14T14:00
m submit birth-registration --field citizen-id=079987654321 --field parents-married=true \
    --attach birth-declaration --attach birth-notice --channel online --now 2025-07-15T16:00
m report --from 2025-07-01 --to 2025-07-31 --html "$pages/report.html"
out=$(bash tools/check-html.sh "$pages/cost.html" "$pages/simulate.html" "$pages/report.html" 2>&1)
rc=$?
if [ "$rc" -eq 77 ]; then
    echo "html render: skipped (no chromium)"
else
    p=$(printf '%s\n' "$out" | grep -c '^ok ')
    f=$(printf '%s\n' "$out" | grep -c '^not ok ')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # the check itself broke
    fi
    if [ "$f" -ne 0 ]; then
        printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/html render: /'
        sed 's/^/html render: /' "$pages/make.log"
    fi
    echo "html render: $p passed, $f failed"
    passed=$((passed + p))
    failed=$((failed + f))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
