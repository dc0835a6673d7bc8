#!/usr/bin/env bash
# Runs the officer console of `motcua serve` in headless Chromium (tools/console-test/test.mjs,
# with playwright-core from npm): a server of tests/fixtures/desk-catalogue (every title in
# Vietnamese, as an office's catalogue has them) with an overdue dossier, an on-time one and 22
# more (two pages of the queue), a registry record, and the tokens of a clerk (lan), a head of
# unit (hoa) and an applicant (an). Prints TAP lines, and "# SKIP needs
# /api/…" for the steps whose endpoint the server does not have yet; saves the screenshots and
# the printed forms as console-*.png, console-form0N.pdf and, drawn from each PDF by poppler's
# pdftoppm, console-form0N.png beside SCREENSHOT.png.
#   bash tools/check-console.sh BUILD/motcua [SCREENSHOT.png]
# Exit status: 0 passed, 1 failed, 77 skipped (no chromium, node or npm).
set -u
bin=${1:?usage: check-console.sh MOTCUA [SCREENSHOT.png]}
here=$(cd "$(dirname "$0")" && pwd)
shot=${2:-$(dirname "$bin")/console.png}
outdir=$(cd "$(dirname "$shot")" && pwd)
. "$here/console-test/browser-lib.sh"
browser_ready check-console playwright-core
cat_dir=$here/../tests/fixtures/desk-catalogue
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
{
    echo "$("$bin" hash-token clerk-secret) lan clerk commune-committee"
    echo "$("$bin" hash-token head-secret) hoa head commune-committee"
    echo "$("$bin" hash-token citizen-secret) an applicant - 079123456789"
} >"$tmp/tokens"
chmod 600 "$tmp/tokens"
printf 'document,subject,reference,issued\nmarriage-certificate,079123456789,CS-1,2019-05-04\n' >"$tmp/cs.csv"
m() { "$bin" "$@" --catalogue "$cat_dir" --db "$tmp/c.db" >/dev/null; }
m registry import civil-status "$tmp/cs.csv" --now 2025-07-01T08:00
# Dossier 1 is received on 14 July and due that day: overdue by the server's clock; its
# marriage certificate is in the civil-status registry. Dossier 2 is newer, not yet received.
# Dossiers 3 to 24 fill a second page of the queue (20 a page).
m submit birth-registration --field citizen-id=079123456789 --field "full-name=Nguyễn Văn An" \
    --field parents-married=true --attach birth-notice --attach citizen-identity --now 2025-07-14T09:00
m fire 1 receive --as clerk --now 2025-07-14T09:10
m submit birth-registration --field citizen-id=079000000002 --field "full-name=Trần Thị Bình" \
    --now 2025-07-16T09:00
for i in $(seq 10 31); do
    m submit birth-registration --field citizen-id=0790000000$i --now 2025-07-16T09:30
done
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
shift; [ $# -gt 0 ] && shift
node "$here/console-test/test.mjs" "http://127.0.0.1:$port/" "$outdir" "$@"
