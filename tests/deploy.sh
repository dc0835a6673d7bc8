#!/usr/bin/env bash
# Safe catalogue deployments (issue 19; docs/operations.md "Upgrades and migrations",
# docs/cli.md `deploy-check`): a new catalogue that removes the procedure version of open
# dossiers, or a state of a shared lifecycle that open dossiers are in, is named dossier by
# dossier by `deploy-check` (exit 1, text and JSON) and refused by `serve` at start; a dossier
# whose version is gone answers a clear error (CLI exit 1, API 409 procedure-gone), never 500.
# Prints TAP lines; run by tools/run-tests.sh as  bash tests/deploy.sh MOTCUA
set -u
bin=${1:?usage: deploy.sh MOTCUA}
tmp=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; shift; for line in "$@"; do echo "# $line"; done; }
for tool in curl python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "not ok 1 - deploy: $tool is not installed"
        echo "1..1"
        exit 1
    fi
done
# run ARGS…: motcua, stdout in $tmp/o, stderr in $tmp/e, the exit status in $rc
run() {
    "$bin" "$@" >"$tmp/o" 2>"$tmp/e"
    rc=$?
}

# The catalogue in use (old), and two new ones: one without death-registration's version
# 2025-07-01 (its effective date moved on), one whose shared lifecycle renamed `incomplete`.
old=$tmp/old
mkdir -p "$old"
cp -r procedures rules "$old/"
gone=$tmp/gone
cp -r "$old" "$gone"
sed -i 's/^    effective 2025-07-01$/    effective 2026-01-01/' "$gone/procedures/civil-status/death-registration.proc"
edited=$tmp/edited
cp -r "$old" "$edited"
sed -i 's/\bincomplete\b/incomplete-dossier/g' "$edited/procedures/common/one-stop.proc"
db=$tmp/s.db
sub() { # sub ID_NUMBER: a new death-registration dossier, submitted 2025-07-03
    "$bin" submit death-registration --catalogue "$old" --db "$db" --now 2025-07-03T09:00 \
        --field "deceased-id=$1" >/dev/null 2>"$tmp/e" || fail "submit $1" "$(cat "$tmp/e")"
}
sub 001234567890 # 1: stays submitted
sub 001234567891 # 2: incomplete
sub 001234567892 # 3: not received, final
"$bin" fire 2 request-supplement --as clerk --catalogue "$old" --db "$db" --now 2025-07-03T10:00 >/dev/null 2>"$tmp/e" ||
    fail "fire 2 request-supplement" "$(cat "$tmp/e")"
"$bin" fire 3 refuse-reception --as clerk --catalogue "$old" --db "$db" --now 2025-07-03T10:00 >/dev/null 2>"$tmp/e" ||
    fail "fire 3 refuse-reception" "$(cat "$tmp/e")"

# ---- deploy-check ----
run deploy-check --catalogue "$old" --db "$db"
[ "$rc" = 0 ] && [ "$(cat "$tmp/o")" = "no open dossier breaks" ] &&
    ok "deploy-check of the catalogue in use: exit 0, nothing breaks" ||
    fail "deploy-check of the catalogue in use: exit 0, nothing breaks" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"

# The issue's first failure: a version removed with open dossiers passed lint, then every one
# of them answered 500.
run lint --catalogue "$gone"
[ "$rc" = 0 ] && ok "lint alone passes the catalogue that removed the version (the issue's trap)" ||
    fail "lint alone passes the catalogue that removed the version (the issue's trap)" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
run deploy-check --catalogue "$gone" --db "$db"
expect="dossier 1: procedure 'death-registration' version '2025-07-01' is not in the catalogue (the dossier is open in state 'submitted')
dossier 2: procedure 'death-registration' version '2025-07-01' is not in the catalogue (the dossier is open in state 'incomplete')
2 open dossiers would break"
[ "$rc" = 1 ] && [ "$(cat "$tmp/o")" = "$expect" ] &&
    ok "deploy-check names each open dossier of the removed version, not the final one; exit 1" ||
    fail "deploy-check names each open dossier of the removed version, not the final one; exit 1" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
run deploy-check --catalogue "$gone" --db "$db" --format json
python3 - "$tmp/o" <<'PY' && [ "$rc" = 1 ] && ok "... and in JSON: open 2, breaking 2, one problem per dossier" ||
import json, sys
d = json.load(open(sys.argv[1]))
assert d["open"] == 2 and d["breaking"] == 2, d
assert [(p["dossier"], p["problem"], p["version"], p["state"]) for p in d["problems"]] == [
    (1, "version-gone", "2025-07-01", "submitted"), (2, "version-gone", "2025-07-01", "incomplete")], d
PY
    fail "... and in JSON: open 2, breaking 2, one problem per dossier" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"

# The issue's second failure: an edited shared lifecycle. A state gone from it breaks the
# dossier in that state, and only that one.
run deploy-check --catalogue "$edited" --db "$db"
expect="dossier 2: procedure 'death-registration' version '2025-07-01' has no state 'incomplete', which the dossier is in
1 open dossier would break"
[ "$rc" = 1 ] && [ "$(cat "$tmp/o")" = "$expect" ] &&
    ok "deploy-check names the dossier in a state the edited shared lifecycle lost; exit 1" ||
    fail "deploy-check names the dossier in a state the edited shared lifecycle lost; exit 1" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"

run deploy-check --catalogue "$gone" --db "$tmp/none.db"
[ "$rc" = 3 ] && [ "$(cat "$tmp/e")" = "motcua: $tmp/none.db: no such store" ] && [ ! -e "$tmp/none.db" ] &&
    ok "deploy-check of a missing store: one line, exit 3, no store made" ||
    fail "deploy-check of a missing store: one line, exit 3, no store made" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
run deploy-check --catalogue "$gone"
[ "$rc" = 2 ] && grep -q "^motcua: deploy-check needs --db STORE" "$tmp/e" &&
    ok "deploy-check without --db is a usage error" || fail "deploy-check without --db is a usage error" "exit $rc" "$(cat "$tmp/e")"
printf 'procedure broken {\n' >"$tmp/bad.proc"
mkdir -p "$tmp/bad" && cp -r "$old/procedures" "$old/rules" "$tmp/bad/" && cp "$tmp/bad.proc" "$tmp/bad/procedures/"
run deploy-check --catalogue "$tmp/bad" --db "$db"
[ "$rc" = 1 ] && grep -q "bad.proc:.*error" "$tmp/e" && [ ! -s "$tmp/o" ] &&
    ok "deploy-check of a catalogue with errors: its diagnostics, exit 1" ||
    fail "deploy-check of a catalogue with errors: its diagnostics, exit 1" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"

# A rule function that open dossiers' version calls, removed from the rules: the load's check
# refuses the catalogue, naming the procedure that calls it.
nofn=$tmp/nofn
cp -r "$old" "$nofn"
sed -i 's/^function death_fee(/function death_fee_gone(/' "$nofn/rules/civil.lua"
run deploy-check --catalogue "$nofn" --db "$db"
[ "$rc" = 1 ] && grep -q "death-registration.proc:20:20: error: unknown rule function 'death_fee' in module 'civil'" "$tmp/e" &&
    ok "deploy-check reports a removed rule function the dossiers' version calls; exit 1" ||
    fail "deploy-check reports a removed rule function the dossiers' version calls; exit 1" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"

# ---- the engine: a clear error, never an internal one ----
run show 1 --catalogue "$gone" --db "$db" --now 2025-07-03T11:00
[ "$rc" = 1 ] && [ "$(cat "$tmp/e")" = "motcua: dossier 1 uses procedure 'death-registration' version '2025-07-01', which the catalogue no longer has" ] &&
    ok "show of a dossier whose version is gone: that sentence, exit 1 (was exit 3)" ||
    fail "show of a dossier whose version is gone: that sentence, exit 1 (was exit 3)" "exit $rc" "$(cat "$tmp/e")"

# ---- serve ----
umask 077
"$bin" token add --tokens "$tmp/tokens" --actor lan --roles clerk --agency '*' >"$tmp/secret" 2>/dev/null
secret=$(cat "$tmp/secret")
timeout 20 "$bin" serve --listen 127.0.0.1:0 --tokens "$tmp/tokens" --db "$db" --catalogue "$gone" >"$tmp/o" 2>"$tmp/e"
rc=$?
expect="motcua: dossier 1: procedure 'death-registration' version '2025-07-01' is not in the catalogue (the dossier is open in state 'submitted')
motcua: dossier 2: procedure 'death-registration' version '2025-07-01' is not in the catalogue (the dossier is open in state 'incomplete')
motcua: the catalogue cannot run 2 open dossiers of the store: not starting (see 'motcua deploy-check', docs/operations.md)"
[ "$rc" = 1 ] && [ "$(cat "$tmp/e")" = "$expect" ] && ! grep -q "http://" "$tmp/o" &&
    ok "serve refuses to start on the breaking catalogue: a line per dossier, exit 1" ||
    fail "serve refuses to start on the breaking catalogue: a line per dossier, exit 1" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"

# A server whose catalogue lacks a version that another writer's catalogue has: its dossiers
# answer 409 procedure-gone through the API (was 500).
db2=$tmp/s2.db
. tools/serve-lib.sh
serve_start "$tmp/so" "$tmp/se" "$bin" --tokens "$tmp/tokens" --db "$db2" --catalogue "$gone" --now 2025-07-03T12:00
pid=$serve_pid
if [ -z "$serve_port" ]; then
    fail "serve starts on an empty store with the new catalogue" "$(cat "$tmp/se")"
else
    ok "serve starts on an empty store with the new catalogue"
    "$bin" submit death-registration --catalogue "$old" --db "$db2" --now 2025-07-03T09:00 \
        --field deceased-id=001234567899 >/dev/null 2>"$tmp/e" || fail "submit to s2" "$(cat "$tmp/e")"
    code=$(curl -s -o "$tmp/r" -w '%{http_code}' --max-time 20 -H "Authorization: Bearer $secret" \
        "http://127.0.0.1:$serve_port/api/dossiers/1")
    python3 - "$tmp/r" <<'PY' && [ "$code" = 409 ] &&
import json, sys
d = json.load(open(sys.argv[1]))
e = d.get("error", d)
assert "procedure-gone" in json.dumps(d), d
assert "version '2025-07-01', which the catalogue no longer has" in json.dumps(d), d
PY
        ok "GET of a dossier whose version the server lacks: 409 procedure-gone with the sentence" ||
        fail "GET of a dossier whose version the server lacks: 409 procedure-gone with the sentence" "HTTP $code" "$(cat "$tmp/r")"
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=""
fi
echo "1..$n"
