#!/usr/bin/env bash
# An interconnected dossier (issue 25) in the officer console, in headless Chromium
# (tools/console-test/parts.mjs): the bundled birth + residence + health insurance group of
# Decree 63/2024, filed once at the commune; each agency's officer sees its own part in its
# queue and not the others', the whole dossier lists its parts with their agencies, states and
# links, a part links back to the whole, and the police approve their part in the console.
# Saves console-parts.png (the whole dossier, in Vietnamese) beside SCREENSHOT.png.
#   bash tools/check-parts.sh BUILD/motcua [SCREENSHOT.png]
# Exit status: 0 passed, 1 failed, 77 skipped (no chromium, node or npm).
set -u
bin=${1:?usage: check-parts.sh MOTCUA [SCREENSHOT.png]}
here=$(cd "$(dirname "$0")" && pwd)
shot=${2:-$(dirname "$bin")/console-parts.png}
outdir=$(cd "$(dirname "$shot")" && pwd)
. "$here/console-test/browser-lib.sh"
browser_ready check-parts playwright-core
cat_dir=$here/..
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
{
    echo "$("$bin" hash-token commune-secret) lan clerk,head commune-committee"
    echo "$("$bin" hash-token police-secret) tuan specialist,head commune-police"
    echo "$("$bin" hash-token insurance-secret) mai specialist,head social-insurance-office"
} >"$tmp/tokens"
chmod 600 "$tmp/tokens"
printf 'document,subject,reference,issued\nelectronic-birth-notice,001092013131,CS-BV-2026-0042,2026-03-01\n' >"$tmp/eh.csv"
printf 'document,subject,reference,issued\ncitizen-identity,001092013131,CCCD-001092013131,2021-06-01\nresidence-information,001092013131,CT-001092013131,2021-06-01\n' >"$tmp/pop.csv"
m() { "$bin" "$@" --catalogue "$cat_dir" --db "$tmp/c.db" >/dev/null; }
m registry import e-health "$tmp/eh.csv" --now 2026-03-02T08:00
m registry import population "$tmp/pop.csv" --now 2026-03-02T08:00
# Dossier 1, filed online on Monday 2 March 2026; its first part (dossier 2, the birth) is
# approved by the commune, which starts dossiers 3 (police) and 4 (social insurance).
m submit birth-residence-insurance --field citizen-id=001092013131 --field birth-date=2026-03-01 \
    --attach interconnected-declaration --channel online --now 2026-03-02T09:10
m fire 2 approve --as head --now 2026-03-02T10:00
. "$here/serve-lib.sh"
serve_start "$tmp/out" "$tmp/err" "$bin" --tokens "$tmp/tokens" --db "$tmp/c.db" \
    --catalogue "$cat_dir" --now 2026-03-03T09:00
pid=$serve_pid
port=$serve_port
if [ -z "$port" ]; then
    echo "not ok 1 - the server starts"
    sed 's/^/# /' "$tmp/err"
    echo "1..1"
    exit 1
fi
node "$here/console-test/parts.mjs" "http://127.0.0.1:$port/" "$outdir"
