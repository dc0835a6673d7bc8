#!/usr/bin/env bash
# Runs the officer console of `motcua serve` in headless Chromium (tools/console-test/test.mjs,
# with playwright-core from npm): a server of the test catalogue with an overdue dossier and a
# registry record, a clerk's token. Prints TAP lines.
#   bash tools/check-console.sh BUILD/motcua [SCREENSHOT.png]
# Exit status: 0 passed, 1 failed, 77 skipped (no chromium, node or npm).
set -u
bin=${1:?usage: check-console.sh MOTCUA [SCREENSHOT.png]}
here=$(cd "$(dirname "$0")" && pwd)
shot=${2:-$(dirname "$bin")/console.png}
browser=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$browser" ] || ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "check-console: chromium, node or npm is missing; skipped" >&2
    exit 77
fi
if [ ! -d "$here/console-test/node_modules/playwright-core" ] &&
    ! (cd "$here/console-test" && npm ci --silent --no-audit --no-fund >&2); then
    echo "check-console: npm ci of playwright-core failed; skipped" >&2
    exit 77
fi
cat_dir=$here/../tests/fixtures/cli-catalogue
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
echo "$("$bin" hash-token console-secret) lan clerk,head commune-committee" >"$tmp/tokens"
printf 'document,subject,reference,issued\nmarriage-certificate,079123456789,CS-1,2019-05-04\n' >"$tmp/cs.csv"
m() { "$bin" "$@" --catalogue "$cat_dir" --db "$tmp/c.db" >/dev/null; }
m registry import civil-status "$tmp/cs.csv" --now 2025-07-01T08:00
# Dossier 1 is received on 14 July and due that day: overdue by the server's clock. Dossier 2 is
# newer and on time.
m submit birth-registration --field citizen-id=079123456789 --field parents-married=true \
    --attach birth-notice --now 2025-07-14T09:00
m fire 1 receive --as clerk --now 2025-07-14T09:10
m submit birth-registration --field citizen-id=079000000002 --now 2025-07-16T09:00
. "$here/serve-lib.sh"
serve_start "$tmp/out" "$tmp/err" "$bin" --tokens "$tmp/tokens" --db "$tmp/c.db" \
    --catalogue "$cat_dir" --now 2025-07-16T10:00
pid=$serve_pid
port=$serve_port
if [ -z "$port" ]; then
    echo "not ok 1 - the server starts"
    sed 's/^/# /' "$tmp/err"
    echo "1..1"
    exit 1
fi
node "$here/console-test/test.mjs" "http://127.0.0.1:$port/" console-secret "$shot"
