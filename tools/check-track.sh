#!/usr/bin/env bash
# Runs the citizen's tracking page of `motcua serve` (/tra-cuu) in headless Chromium
# (tools/console-test/track.mjs, playwright-core from npm): a server of
# tests/fixtures/desk-catalogue (every title in Vietnamese) with a dossier that still asks for
# documents. Prints TAP lines; screenshots build/tra-cuu-*.png.
#   bash tools/check-track.sh BUILD/motcua [SCREENSHOT-DIR]
# Exit status: 0 passed, 1 failed, 77 skipped (no chromium, node or npm).
set -u
bin=${1:?usage: check-track.sh MOTCUA [SCREENSHOT-DIR]}
here=$(cd "$(dirname "$0")" && pwd)
shots=${2:-$(dirname "$bin")}
. "$here/console-test/browser-lib.sh"
browser_ready check-track playwright-core
cat_dir=$here/../tests/fixtures/desk-catalogue
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
m() { "$bin" "$@" --catalogue "$cat_dir" --db "$tmp/c.db" >/dev/null; }
# Dossier 1, of 079123456789, handed in without the marriage certificate its married parents
# need and without the identity card: both are asked. Dossier 2 is another citizen's.
m submit birth-registration --field citizen-id=079123456789 --field parents-married=true \
    --attach birth-notice --now 2025-07-14T09:00
m submit birth-registration --field citizen-id=079000000002 --now 2025-07-15T09:00
echo "$("$bin" hash-token track-secret) lan clerk commune-committee" >"$tmp/tokens"
. "$here/serve-lib.sh"
serve_start "$tmp/out" "$tmp/err" "$bin" --tokens "$tmp/tokens" --db "$tmp/c.db" \
    --catalogue "$cat_dir" --now 2025-07-16T10:00
pid=$serve_pid
if [ -z "$serve_port" ]; then
    echo "not ok 1 - the server starts"
    sed 's/^/# /' "$tmp/err"
    echo "1..1"
    exit 1
fi
mkdir -p "$shots"
node "$here/console-test/track.mjs" "http://127.0.0.1:$serve_port" 1 079123456789 "$shots"
