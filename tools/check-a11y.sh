#!/usr/bin/env bash
# Lighthouse's accessibility audit (the `lighthouse` npm package pinned in
# tools/console-test/package.json, driving Debian's Chromium) of the officer console signed in
# (the sign-in page, the queue, a dossier, the intake form) and of the citizen's tracking page
# (empty, and with a dossier found): a server of tests/fixtures/desk-catalogue (every title in
# Vietnamese) with a clerk's token, each page audited in the state a person sees it
# (tools/console-test/a11y.mjs says how). Prints TAP lines "ok N - accessibility of PAGE:
# SCORE"; a score under 95 fails.
#   bash tools/check-a11y.sh BUILD/motcua [MIN]
# Exit status: 0 passed, 1 failed, 77 skipped (no chromium, node or npm; tools/run-tests.sh
# counts that as a failure under CI).
set -u
bin=${1:?usage: check-a11y.sh MOTCUA [MIN]}
min=${2:-95}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/console-test/browser-lib.sh"
browser_ready check-a11y lighthouse
cat_dir=$here/../tests/fixtures/desk-catalogue
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
m() { "$bin" "$@" --catalogue "$cat_dir" --db "$tmp/c.db" >/dev/null; }
# Dossier 1 asks for the marriage certificate (no registry record) and is overdue by the
# server's clock; dossier 2 is another citizen's, on time.
m submit birth-registration --field citizen-id=079123456789 --field parents-married=true \
    --attach birth-notice --now 2025-07-14T09:00
m fire 1 receive --as clerk --now 2025-07-14T09:10
m submit birth-registration --field citizen-id=079000000002 --now 2025-07-16T09:00
echo "$("$bin" hash-token a11y-secret) lan clerk,head commune-committee" >"$tmp/tokens"
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
HOME=$tmp node "$here/console-test/a11y.mjs" "http://127.0.0.1:$serve_port" a11y-secret 1 1 \
    079123456789 "$min"
