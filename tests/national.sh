#!/usr/bin/env bash
# `make national` never destroys the national catalogue (tools/national.sh, docs/national.md):
# with a missing CSV or a malformed one the folder stays byte for byte, the exit status is not 0
# and the importer's message is on stderr; a good CSV replaces it whole, leaving no hidden
# folder behind. Works on a copy, never on procedures/national.
# Prints TAP lines; run by tools/run-tests.sh as  bash tests/national.sh MOTCUA
set -u
bin=${1:?usage: national.sh MOTCUA}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"
annex=tests/fixtures/annex
dir=$tmp/procedures/national
mkdir -p "$dir"
printf '# the folder as it was\n' >"$dir/keep.proc"
printf 'registry r { title "R" }\n' >"$dir/registries.proc"
before=$(cd "$tmp" && find procedures -type f -exec md5sum {} + | sort)
intact() { [ "$(cd "$tmp" && find procedures -type f -exec md5sum {} + | sort)" = "$before" ] &&
    [ -z "$(find "$tmp/procedures" -maxdepth 1 -name '.*' -print)" ]; }

bash tools/national.sh "$bin" "$tmp/missing.csv" "$dir" "$tmp/log" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -ne 0 ]; then ok "a missing CSV: exit $rc"; else fail "a missing CSV: exit 0"; fi
if intact; then ok "a missing CSV leaves the folder as it was"; else fail "a missing CSV changed the folder" "$(ls -aR "$tmp/procedures")"; fi
if grep -qF "motcua: $tmp/missing.csv: No such file or directory" "$tmp/err" &&
    grep -qF "national: the import failed; $dir is left as it was" "$tmp/err"; then
    ok "a missing CSV: the importer's message and what was kept"
else
    fail "a missing CSV: the messages" "$(cat "$tmp/err")"
fi

bash tools/national.sh "$bin" "$annex/bad-quote.csv" "$dir" "$tmp/log" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -ne 0 ]; then ok "a malformed CSV: exit $rc"; else fail "a malformed CSV: exit 0"; fi
if intact; then ok "a malformed CSV leaves the folder as it was"; else fail "a malformed CSV changed the folder" "$(ls -aR "$tmp/procedures")"; fi
if grep -qF "bad-quote.csv:2:12: error: quoted field is never closed (a quote is missing)" "$tmp/err" &&
    grep -qF "import: 1 error; nothing written" "$tmp/err"; then
    ok "a malformed CSV: the importer's error on stderr"
else
    fail "a malformed CSV: the messages" "$(cat "$tmp/err")"
fi

bash tools/national.sh "$bin" "$annex/wrong-columns.csv" "$dir" "$tmp/log" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -ne 0 ] && intact; then ok "a CSV with the wrong columns: exit $rc, the folder as it was"; else fail "a CSV with the wrong columns: exit $rc" "$(cat "$tmp/err")"; fi

bash tools/national.sh "$bin" "$annex/small.csv" "$dir" "$tmp/log" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ ! -e "$dir/keep.proc" ] && [ -f "$dir/ministry-of-industry-and-trade.proc" ] &&
    [ -z "$(find "$tmp/procedures" -maxdepth 1 -name '.*' -print)" ]; then
    ok "a good CSV replaces the folder whole, and nothing hidden is left"
else
    fail "a good CSV: exit $rc" "$(cat "$tmp/err")" "$(ls -aR "$tmp/procedures")"
fi
if grep -qx "[0-9]* warnings: see $tmp/log" "$tmp/out" && grep -qE ': warning(\[[a-z0-9-]+\])?: ' "$tmp/log"; then
    ok "a good CSV: the count of warnings, and the log"
else
    fail "a good CSV: the output" "$(cat "$tmp/out")"
fi
if grep -qF '    sector "LĨNH VỰC QUẢN LÝ NHÀ NƯỚC CỦA BỘ CÔNG THƯƠNG"' "$dir/ministry-of-industry-and-trade.proc"; then
    ok "each imported procedure says its sector"
else
    fail "each imported procedure says its sector"
fi
echo "1..$n"
