#!/usr/bin/env bash
# Runs every cmocka suite of BUILD (TAP output), the shell suites and the checks on the bundled
# catalogue, then prints the combined closing line "N passed, N failed". Each suite's line gives
# its counts and its seconds; a failing suite shows the lines that are not "ok", and the suites
# that failed are named again just before the closing line. Exit status 1 when anything failed.
set -u
build=${1:-build}
passed=0
failed=0
failed_names=()

# suite NAME COMMAND…: runs COMMAND (it prints TAP lines, or is a cmocka binary with TAP output),
# shows its failures, and adds its counts to the totals. A command that exits non-zero without a
# "not ok" line, or prints no result at all, counts as one failure (it crashed or could not run):
# then all its output is shown. Lines "# NAME-FIGURES" that SUITE_FIGURES matches are printed.
SUITE_FIGURES='^# (copy|failover: phase|coverage: [0-9])'
suite() {
    local name=$1 out rc p f t0 t1
    shift
    t0=${suite_t0:-$(date +%s)} # skippable's start, when it ran the command itself
    out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$@" 2>&1)
    rc=$?
    t1=$(date +%s)
    p=$(printf '%s\n' "$out" | grep -c '^ok ')
    f=$(printf '%s\n' "$out" | grep -c '^not ok ')
    if [ "$f" -ne 0 ]; then
        printf '%s\n' "$out" | grep -v '^ok ' | sed "s|^|$name: |"
    elif [ "$rc" -ne 0 ] || [ "$p" -eq 0 ]; then
        printf '%s\n' "$out" | tail -n 40 | sed "s|^|$name: |"
        echo "$name: exit status $rc"
        f=1
    fi
    printf '%s\n' "$out" | grep -E "$SUITE_FIGURES" | sed "s/^# /$name: /"
    echo "$name: $p passed, $f failed ($((t1 - t0)) s)"
    passed=$((passed + p))
    failed=$((failed + f))
    [ "$f" -ne 0 ] && failed_names+=("$name")
    return 0
}

# skippable NAME COMMAND…: as suite, for a check that exits 77 when its browser is missing. Under
# CI a skip is a failure: the machine was meant to have it.
skippable() {
    local name=$1 out rc suite_t0
    shift
    suite_t0=$(date +%s)
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -eq 77 ]; then
        if [ -n "${CI:-}" ]; then
            echo "$name: $(printf '%s\n' "$out" | tail -n 1)"
            echo "$name: 0 passed, 1 failed (skipped under CI)"
            failed=$((failed + 1))
            failed_names+=("$name")
        else
            echo "$name: skipped ($(printf '%s\n' "$out" | tail -n 1))"
        fi
        return 0
    fi
    suite "$name" sh -c 'printf "%s\n" "$1"; exit "$2"' sh "$out" "$rc"
}

for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    suite "$(basename "$t")" "$t"
done

# The store and the engine (and measured coverage, test_cost) on PostgreSQL: a throwaway cluster
# (tools/pg-cluster.sh), their suites with MC_TEST_PG naming it (each store a schema of its own),
# tests/pg.sh, the HTTP API, timer, command-line, copy, genqueue, multinode, migrate and queue
# suites on it, then the cluster stopped. Once, not again under ASan (build-asan). A server that
# cannot start fails the pass when CI is set, and is reported as skipped otherwise.
pg_dir=""
pg_stop() {
    [ -n "$pg_dir" ] && bash tools/pg-cluster.sh stop "$pg_dir"
    pg_dir=""
}
trap pg_stop EXIT
if [ "$(basename "$build")" != build-asan ]; then
    if pg_out=$(bash tools/pg-cluster.sh start 2>&1); then
        pg_dir=$(printf '%s\n' "$pg_out" | sed -n 1p)
        pg_conn=$(printf '%s\n' "$pg_out" | sed -n 2p)
        for t in test_store test_checkpoint test_engine test_wake test_cost test_parts; do
            [ -x "$build/tests/$t" ] || continue
            MC_TEST_PG="$pg_conn" suite "$t (postgresql)" "$build/tests/$t"
        done
        suite "cli (postgresql)" bash tests/pg.sh "$build/motcua" "$pg_conn"
        MC_TEST_PG="$pg_conn" suite "api (postgresql)" bash tests/api.sh "$build/motcua"
        # Timers fired by three servers on one store (a cluster of its own).
        suite "timers (postgresql)" bash tests/timers.sh "$build/motcua" pg
        MC_TEST_PG="$pg_conn" suite "cli suite (postgresql)" bash tests/cli.sh "$build/motcua"
        suite "copy (postgresql)" bash tests/copy.sh "$build/motcua" "$build/tools/genstore" "$pg_conn"
        suite "genqueue (postgresql)" bash tests/genqueue.sh "$build/motcua" "$build/tools/genqueue" "$pg_conn"
        suite "multinode (postgresql)" bash tests/multinode.sh "$build/motcua" "$pg_conn"
        suite "migrate (postgresql)" bash tests/migrate.sh "$build/motcua" "$build/tools/oldstore" "$pg_conn"
        MC_TEST_PG="$pg_conn" suite "queue (postgresql)" bash tests/queue.sh "$build/motcua"
        MC_TEST_PG="$pg_conn" suite "desk (postgresql)" timeout 180 bash tests/desk.sh "$build/motcua"
        MC_TEST_PG="$pg_conn" suite "parts (postgresql)" timeout 180 bash tests/parts.sh "$build/motcua"
        pg_stop
    elif [ -n "${CI:-}" ]; then
        echo "postgresql: $pg_out"
        echo "postgresql: 0 passed, 1 failed"
        failed=$((failed + 1))
        failed_names+=(postgresql)
    else
        echo "postgresql: skipped ($pg_out)"
    fi
fi

# Failover to a hot standby (tests/failover.sh): a primary and a synchronous standby of its own,
# serve on both, the primary killed mid-stream and the standby promoted; its figures are printed.
# Under ASan too: it is the one test of the reconnecting paths.
suite "failover (postgresql)" timeout 600 bash tests/failover.sh "$build/motcua"
# The layers: no file includes a header of a higher layer.
suite "layers" bash tools/check-layers.sh
# The modules: none calls one that calls it back (read from the objects with nm), but the calls
# back by design that tools/check-cycles.sh lists with their reasons.
suite "cycles" bash tools/check-cycles.sh "$build"
suite "cli" bash tests/cli.sh "$build/motcua"
suite "study" bash tests/study.sh "$build/motcua"
suite "calibrate" bash tests/calibrate.sh "$build/motcua" "$build/tests/test_calibrate"
suite "simulate-api" bash tests/simulate-api.sh "$build/motcua"
suite "national" bash tests/national.sh "$build/motcua"
# The HTTP API on a free loopback port; the queue in pages, filters and cursors.
suite "api" bash tests/api.sh "$build/motcua"
suite "queue" bash tests/queue.sh "$build/motcua"
# Timers fired by one server on a SQLite file, `motcua tick` beside it.
suite "timers" bash tests/timers.sh "$build/motcua"
# A restore drill under a write stream, the failure paths of backup, the modes of a new store.
suite "backup" timeout 300 bash tests/backup.sh "$build/motcua"
# A store of version 1 refused, verified and backed up as it is, migrated explicitly.
suite "migrate" timeout 300 bash tests/migrate.sh "$build/motcua" "$build/tools/oldstore"
# Slow clients, shared idempotency keys, endless rules.
suite "attack" bash tests/attack.sh "$build/motcua"
# The one-stop desk's back end: the preview, the citizen's tracking and its limit per address,
# the indicators per officer.
suite "desk" timeout 180 bash tests/desk.sh "$build/motcua"
suite "parts" timeout 180 bash tests/parts.sh "$build/motcua"
# The live registries' connector against a test registry over mutual TLS.
suite "registry" timeout 180 bash tests/registry.sh "$build"
# The token command, several agencies, reload on SIGHUP, IPv6 and bad listen addresses.
suite "tokens" timeout 300 bash tests/tokens.sh "$build/motcua"
# serve's configuration file and error log.
suite "config" timeout 120 bash tests/config.sh "$build/motcua"
# /metrics scraped by a real Prometheus, the access log, the health end-points.
suite "metrics" timeout 300 bash tests/metrics.sh "$build/motcua"
# Safe catalogue deployments.
suite "deploy" timeout 120 bash tests/deploy.sh "$build/motcua"
# motcua behind nginx terminating TLS, and the systemd unit.
suite "nginx" timeout 120 bash tests/nginx.sh "$build/motcua"
# The officer console in headless Chromium.
skippable "console" bash tools/check-console.sh "$build/motcua" "$build/console.png"
# An interconnected dossier in the console: each agency its part (tools/check-parts.sh).
skippable "interconnected console" bash tools/check-parts.sh "$build/motcua" "$build/console-parts.png"
# The citizen's tracking page (/tra-cuu) in headless Chromium (tools/check-track.sh).
skippable "tracking page" bash tools/check-track.sh "$build/motcua" "$build"
# Lighthouse's accessibility audit of the console's pages and the tracking page: each >= 95.
skippable "accessibility" timeout 300 bash tools/check-a11y.sh "$build/motcua"

# The bundled catalogue must lint clean (warnings allowed).
lint_bundled() {
    if "$build"/motcua lint --catalogue . >/dev/null 2>"$build/lint-bundled.log"; then
        echo "ok 1 - the bundled catalogue lints clean"
    else
        cat "$build/lint-bundled.log"
        echo "not ok 1 - the bundled catalogue lints clean"
    fi
}
suite "bundled catalogue" lint_bundled

# The bundled scenarios (SPEC §7), run by motcua itself: its "FAIL" lines read as "not ok".
# The bundled scenarios and rule tables (SPEC §7; docs/scenarios.md §11), run by motcua itself:
# its "FAIL" and "FIXED" lines read as "not ok"; their coverage (docs/scenarios.md §12) is the
# suite's figure line, and below 40% the suite fails.
scenarios() {
    "$build"/motcua test tests/scenarios tests/rule-tables tests/expectations --catalogue . \
        --coverage --min-coverage 40 2>&1 |
        sed -e 's/^FAIL /not ok /' -e 's/^FIXED /not ok /' -e 's/^coverage: \([0-9]\)/# coverage: \1/'
    return "${PIPESTATUS[0]}"
}
suite "scenarios" scenarios

# The pages of `cost --html`, `simulate --html` and `report --html` on the bundled catalogue,
# rendered by a real browser (tools/check-html.sh).
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
skippable "html render" bash tools/check-html.sh "$pages/cost.html" "$pages/simulate.html" "$pages/report.html"
# The briefing of `cost --html` printed to PDF by headless Chromium, and the workbook of
# `cost --xlsx` recalculated by LibreOffice and compared with the CSV (tests/briefing.sh).
skippable briefing timeout 600 bash tests/briefing.sh "$build/motcua"

if [ "${#failed_names[@]}" -ne 0 ]; then
    echo "failed: $(IFS=,; echo "${failed_names[*]}" | sed 's/,/, /g')"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
