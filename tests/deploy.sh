#!/usr/bin/env bash
# Safe catalogue deployments (issue 19; docs/operations.md "Safe deployments", docs/cli.md
# `deploy-check`): a dossier runs on the procedure text it was submitted under (stored by hash,
# schema version 8), so a new catalogue that removes its version or edits its shared lifecycle
# changes nothing for it: deploy-check lists it (not breaking), the CLI and the API answer it,
# a new dossier follows the new text. What breaks it is a stored text that no longer compiles
# against the new catalogue (a registry or a rule function it names removed): deploy-check
# names the dossier (exit 1, text and JSON) and serve refuses to start. A dossier from before
# version 8 (no stored text) breaks as before when its version or state is gone (API 409). A
# holiday added moves the due instant of a running clock: listed old -> new, and moved (with an
# event) when the dossier is next read. SIGHUP reloads the catalogue only when it passes.
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
. "$(dirname "$0")/tap.sh"
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
# of them answered 500. Now each runs on its stored text: listed, not breaking.
run lint --catalogue "$gone"
[ "$rc" = 0 ] && ok "lint alone passes the catalogue that removed the version" ||
    fail "lint alone passes the catalogue that removed the version" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
run deploy-check --catalogue "$gone" --db "$db"
expect="dossier 1: procedure 'death-registration' version '2025-07-01' is not in the catalogue: the dossier runs on its stored text (state 'submitted')
dossier 2: procedure 'death-registration' version '2025-07-01' is not in the catalogue: the dossier runs on its stored text (state 'incomplete')
no open dossier breaks"
[ "$rc" = 0 ] && [ "$(cat "$tmp/o")" = "$expect" ] &&
    ok "deploy-check lists each open dossier of the removed version as running on its stored text; exit 0" ||
    fail "deploy-check lists each open dossier of the removed version as running on its stored text; exit 0" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
run deploy-check --catalogue "$gone" --db "$db" --format json
python3 - "$tmp/o" <<'PY' && [ "$rc" = 0 ] && ok "... and in JSON: open 2, breaking 0, kept 2, one entry per dossier" ||
import json, sys
d = json.load(open(sys.argv[1]))
assert d["open"] == 2 and d["breaking"] == 0 and d["kept"] == 2, d
assert [(p["dossier"], p["problem"], p["breaking"], p["version"], p["state"]) for p in d["problems"]] == [
    (1, "version-kept", False, "2025-07-01", "submitted"), (2, "version-kept", False, "2025-07-01", "incomplete")], d
PY
    fail "... and in JSON: open 2, breaking 0, kept 2, one entry per dossier" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
run show 1 --catalogue "$gone" --db "$db" --now 2025-07-03T11:00
[ "$rc" = 0 ] && head -1 "$tmp/o" | grep -qx "dossier 1: death-registration, state submitted" &&
    ok "show of a dossier whose version is gone: it runs on its stored text (was exit 1, procedure-gone)" ||
    fail "show of a dossier whose version is gone: it runs on its stored text (was exit 1, procedure-gone)" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"

# The issue's second failure: an edited shared lifecycle. The state renamed is gone from the
# catalogue, not from the text dossier 2 runs on: it goes on as it started.
run deploy-check --catalogue "$edited" --db "$db"
expect="dossier 1: procedure 'death-registration' version '2025-07-01' changed in the catalogue: the dossier runs on its stored text (state 'submitted')
dossier 2: procedure 'death-registration' version '2025-07-01' changed in the catalogue: the dossier runs on its stored text (state 'incomplete')
no open dossier breaks"
[ "$rc" = 0 ] && [ "$(cat "$tmp/o")" = "$expect" ] &&
    ok "deploy-check lists the dossiers whose shared lifecycle changed as running on their stored text; exit 0" ||
    fail "deploy-check lists the dossiers whose shared lifecycle changed as running on their stored text; exit 0" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"

# A transition removed from the shared lifecycle and another added: the dossier that started
# before follows the old text, a new dossier the new one (a refusal is recorded, nothing more).
trans=$tmp/trans
cp -r "$old" "$trans"
sed -i 's/^        on refuse-reception -> not-received by clerk chance 3%.*$/        on fast-receive -> received by clerk chance 3%/' "$trans/procedures/common/one-stop.proc"
"$bin" submit death-registration --catalogue "$trans" --db "$db" --now 2025-07-03T09:30 \
    --field deceased-id=001234567893 >/dev/null 2>"$tmp/e" || fail "submit 4 on the edited lifecycle" "$(cat "$tmp/e")"
run fire 1 fast-receive --as clerk --catalogue "$trans" --db "$db" --now 2025-07-03T11:00
r1=$rc e1=$(cat "$tmp/e")
run fire 4 refuse-reception --as clerk --catalogue "$trans" --db "$db" --now 2025-07-03T11:00
r4=$rc e4=$(cat "$tmp/e")
[ "$r1" = 1 ] && [ "$e1" = "motcua: refused (state): 'fast-receive' does not leave state 'submitted' (it can: receive, request-supplement, refuse-reception)" ] &&
    [ "$r4" = 1 ] && [ "$e4" = "motcua: refused (state): 'refuse-reception' does not leave state 'submitted' (it can: receive, request-supplement, fast-receive)" ] &&
    ok "after a lifecycle edit: dossier 1 refuses the new transition, the new dossier 4 the one removed; exit 1" ||
    fail "after a lifecycle edit: dossier 1 refuses the new transition, the new dossier 4 the one removed; exit 1" "$r1: $e1" "$r4: $e4"
run fire 4 fast-receive --as clerk --catalogue "$trans" --db "$db" --now 2025-07-03T11:00
[ "$rc" = 0 ] && head -1 "$tmp/o" | grep -qx "dossier 4: death-registration, state received" &&
    ok "... and the new dossier takes the new transition" ||
    fail "... and the new dossier takes the new transition" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
run fire 2 supplement --as applicant --catalogue "$edited" --db "$db" --now 2025-07-03T11:00
[ "$rc" = 0 ] && head -1 "$tmp/o" | grep -qx "dossier 2: death-registration, state submitted" &&
    ok "dossier 2 leaves the state the edited lifecycle renamed by its old transition" ||
    fail "dossier 2 leaves the state the edited lifecycle renamed by its old transition" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"

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

# A rule function that open dossiers' version calls, removed from the rules with the version
# still calling it: the load's check refuses the catalogue, naming the procedure that calls it.
nofn=$tmp/nofn
cp -r "$old" "$nofn"
sed -i 's/^function death_fee(/function death_fee_gone(/' "$nofn/rules/civil.lua"
run deploy-check --catalogue "$nofn" --db "$db"
[ "$rc" = 1 ] && grep -q "death-registration.proc:20:20: error: unknown rule function 'death_fee' in module 'civil'" "$tmp/e" &&
    ok "deploy-check reports a removed rule function the catalogue's version calls; exit 1" ||
    fail "deploy-check reports a removed rule function the catalogue's version calls; exit 1" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
# The same function removed with a new version that calls the new one: the catalogue loads,
# but the text the open dossiers run on calls the function removed.
sed -i 's/^    effective 2025-07-01$/    effective 2026-01-01/; s/civil\.death_fee\b/civil.death_fee_gone/' \
    "$nofn/procedures/civil-status/death-registration.proc"
sed -i 's/civil\.death_fee\b/civil.death_fee_gone/' "$nofn/procedures/interconnected/death-residence-funeral.proc"
run deploy-check --catalogue "$nofn" --db "$db"
expect="dossier 1: procedure 'death-registration' version '2025-07-01': the text the dossier runs on no longer compiles against the catalogue (stored text 0123456789abcdef:15:20: unknown rule function 'death_fee' in module 'civil')"
first=$(head -1 "$tmp/o" | sed 's/stored text [0-9a-f]\{16\}/stored text 0123456789abcdef/')
[ "$rc" = 1 ] && [ "$first" = "$expect" ] && [ "$(tail -1 "$tmp/o")" = "3 open dossiers would break" ] &&
    ok "deploy-check names each dossier whose stored text calls a removed rule function; exit 1" ||
    fail "deploy-check names each dossier whose stored text calls a removed rule function; exit 1" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"

# A registry the stored text issues into, removed: that text no longer compiles.
withreg=$tmp/withreg
cp -r "$old" "$withreg"
sed -i 's/holds birth-certificate marriage-certificate death-certificate recognition-extract/holds birth-certificate marriage-certificate recognition-extract/' \
    "$withreg/procedures/common/registries.proc"
cat >>"$withreg/procedures/common/registries.proc" <<'PROC'
registry death-archive {
    title "Archive of death certificates"
    holds death-certificate
}
PROC
sed -i 's/issues death-certificate to civil-status/issues death-certificate to death-archive/' \
    "$withreg/procedures/civil-status/death-registration.proc"
db3=$tmp/s3.db
"$bin" submit death-registration --catalogue "$withreg" --db "$db3" --now 2025-07-03T09:00 \
    --field deceased-id=001234567894 >/dev/null 2>"$tmp/e" || fail "submit to s3" "$(cat "$tmp/e")"
run deploy-check --catalogue "$old" --db "$db3"
expect="dossier 1: procedure 'death-registration' version '2025-07-01': the text the dossier runs on no longer compiles against the catalogue (stored text 0123456789abcdef:58:37: unknown registry 'death-archive')
1 open dossier would break"
got=$(sed 's/stored text [0-9a-f]\{16\}/stored text 0123456789abcdef/' "$tmp/o")
[ "$rc" = 1 ] && [ "$got" = "$expect" ] &&
    ok "deploy-check names the dossier whose stored text issues into a registry removed; exit 1" ||
    fail "deploy-check names the dossier whose stored text issues into a registry removed; exit 1" "exit $rc" "$got" "$(cat "$tmp/e")"
umask 077
"$bin" token add --tokens "$tmp/tokens" --actor lan --roles clerk --agency '*' >"$tmp/secret" 2>/dev/null
secret=$(cat "$tmp/secret")
timeout 20 "$bin" serve --listen 127.0.0.1:0 --tokens "$tmp/tokens" --db "$db3" --catalogue "$old" >"$tmp/o" 2>"$tmp/e"
rc=$?
[ "$rc" = 1 ] && grep -q "^motcua: dossier 1: procedure 'death-registration' version '2025-07-01': the text the dossier runs on no longer compiles" "$tmp/e" &&
    [ "$(tail -1 "$tmp/e")" = "motcua: the catalogue cannot run 1 open dossier of the store: not starting (see 'motcua deploy-check', docs/operations.md)" ] &&
    ! grep -q "http://" "$tmp/o" &&
    ok "serve refuses to start when a registry a stored text needs is removed; exit 1" ||
    fail "serve refuses to start when a registry a stored text needs is removed; exit 1" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
run show 1 --catalogue "$old" --db "$db3" --now 2025-07-03T11:00
[ "$rc" = 1 ] && grep -q "^motcua: dossier 1 uses procedure 'death-registration' version '2025-07-01', which the catalogue can no longer run: its procedure text no longer compiles: .*unknown registry 'death-archive'" "$tmp/e" &&
    ok "... and show of that dossier says why, exit 1" ||
    fail "... and show of that dossier says why, exit 1" "exit $rc" "$(cat "$tmp/e")"

# A dossier from before schema version 8 names no stored text: it runs on the catalogue as
# before, so its version gone breaks it.
db4=$tmp/s4.db
cp "$db" "$db4"
python3 - "$db4" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE dossier SET data = json_remove(data, '$.text_hash')")
c.commit()
PY
run deploy-check --catalogue "$gone" --db "$db4"
expect="dossier 1: procedure 'death-registration' version '2025-07-01' is not in the catalogue (the dossier is open in state 'submitted')
dossier 2: procedure 'death-registration' version '2025-07-01' is not in the catalogue (the dossier is open in state 'submitted')
dossier 4: procedure 'death-registration' version '2025-07-01' is not in the catalogue (the dossier is open in state 'received')
3 open dossiers would break"
[ "$rc" = 1 ] && [ "$(cat "$tmp/o")" = "$expect" ] &&
    ok "deploy-check names each dossier without a stored text whose version is gone; exit 1" ||
    fail "deploy-check names each dossier without a stored text whose version is gone; exit 1" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
run show 1 --catalogue "$gone" --db "$db4" --now 2025-07-03T11:00
[ "$rc" = 1 ] && [ "$(cat "$tmp/e")" = "motcua: dossier 1 uses procedure 'death-registration' version '2025-07-01', which the catalogue no longer has" ] &&
    ok "show of such a dossier: that sentence, exit 1" ||
    fail "show of such a dossier: that sentence, exit 1" "exit $rc" "$(cat "$tmp/e")"

# ---- a calendar change: the due instants of running clocks move ----
hol=$tmp/hol
cp -r "$old" "$hol"
sed -i 's|^    holiday 2025-09-01 "National Day, second day"|&\n    holiday 2025-07-07 "A day off announced late"|' "$hol/procedures/common/calendar.proc"
db5=$tmp/s5.db
"$bin" submit death-registration --catalogue "$old" --db "$db5" --now 2025-07-03T09:00 \
    --field deceased-id=001234567895 >/dev/null 2>"$tmp/e" || fail "submit to s5" "$(cat "$tmp/e")"
"$bin" fire 1 receive --as clerk --catalogue "$old" --db "$db5" --now 2025-07-03T10:00 >/dev/null 2>"$tmp/e" ||
    fail "fire 1 receive in s5" "$(cat "$tmp/e")"
run deploy-check --catalogue "$hol" --db "$db5"
expect="dossier 1: its due instant moves from 2025-07-08T17:00 to 2025-07-09T17:00 (calendar 'vn' changed)
no open dossier breaks"
[ "$rc" = 0 ] && [ "$(cat "$tmp/o")" = "$expect" ] &&
    ok "deploy-check lists the running clock whose due instant a new holiday moves, old -> new; exit 0" ||
    fail "deploy-check lists the running clock whose due instant a new holiday moves, old -> new; exit 0" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
run deploy-check --catalogue "$hol" --db "$db5" --format json
python3 - "$tmp/o" <<'PY' && [ "$rc" = 0 ] && ok "... and in JSON: due-moves with due and new_due" ||
import json, sys
d = json.load(open(sys.argv[1]))
p = d["problems"]
assert d["breaking"] == 0 and len(p) == 1, d
assert (p[0]["problem"], p[0]["breaking"], p[0]["due"], p[0]["new_due"]) == ("due-moves", False, "2025-07-08T17:00", "2025-07-09T17:00"), p
PY
    fail "... and in JSON: due-moves with due and new_due" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
run show 1 --catalogue "$hol" --db "$db5" --now 2025-07-03T11:00
moved=$(python3 - "$db5" <<'PY'
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(",".join("%s:%s->%s" % (k, json.loads(b)["old_due"], json.loads(b)["due"]) for k, b in c.execute("SELECT kind, body FROM event WHERE kind = 'due-moved'")))
PY
)
[ "$rc" = 0 ] && grep -qx "  due 2025-07-09T17:00" "$tmp/o" && [ "$moved" = "due-moved:1751968800->1752055200" ] &&
    ok "after the deployment the dossier's due instant has moved, recorded by a due-moved event" ||
    fail "after the deployment the dossier's due instant has moved, recorded by a due-moved event" "exit $rc" "$moved" "$(cat "$tmp/o" "$tmp/e")"
run deploy-check --catalogue "$hol" --db "$db5"
[ "$rc" = 0 ] && [ "$(cat "$tmp/o")" = "no open dossier breaks" ] &&
    ok "... and deploy-check of the same catalogue lists it no more" ||
    fail "... and deploy-check of the same catalogue lists it no more" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
run verify --db "$db5"
[ "$rc" = 0 ] && ok "the store verifies after the due instant moved" || fail "the store verifies after the due instant moved" "$(cat "$tmp/o" "$tmp/e")"

# ---- serve ----
timeout 20 "$bin" serve --listen 127.0.0.1:0 --tokens "$tmp/tokens" --db "$db4" --catalogue "$gone" >"$tmp/o" 2>"$tmp/e"
rc=$?
expect="motcua: dossier 1: procedure 'death-registration' version '2025-07-01' is not in the catalogue (the dossier is open in state 'submitted')
motcua: dossier 2: procedure 'death-registration' version '2025-07-01' is not in the catalogue (the dossier is open in state 'submitted')
motcua: dossier 4: procedure 'death-registration' version '2025-07-01' is not in the catalogue (the dossier is open in state 'received')
motcua: the catalogue cannot run 3 open dossiers of the store: not starting (see 'motcua deploy-check', docs/operations.md)"
[ "$rc" = 1 ] && [ "$(cat "$tmp/e")" = "$expect" ] && ! grep -q "http://" "$tmp/o" &&
    ok "serve refuses to start on a catalogue without the version of dossiers without a stored text: a line per dossier, exit 1" ||
    fail "serve refuses to start on a catalogue without the version of dossiers without a stored text: a line per dossier, exit 1" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"

# A server whose catalogue lacks a version that another writer's catalogue has: a dossier
# submitted there runs on its stored text (200); one without a stored text answers 409
# procedure-gone (was 500).
db2=$tmp/s2.db
. tools/serve-lib.sh
serve_start "$tmp/so" "$tmp/se" "$bin" --tokens "$tmp/tokens" --db "$db2" --catalogue "$gone" --now 2025-07-03T12:00
pid=$serve_pid
if [ -z "$serve_port" ]; then
    fail "serve starts on an empty store with the new catalogue" "$(cat "$tmp/se")"
else
    ok "serve starts on an empty store with the new catalogue"
    for id in 001234567899 001234567898; do
        "$bin" submit death-registration --catalogue "$old" --db "$db2" --now 2025-07-03T09:00 \
            --field deceased-id=$id >/dev/null 2>"$tmp/e" || fail "submit to s2" "$(cat "$tmp/e")"
    done
    python3 - "$db2" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE dossier SET data = json_remove(data, '$.text_hash') WHERE id = 2")
c.commit()
PY
    code=$(curl -s -o "$tmp/r" -w '%{http_code}' --max-time 20 -H "Authorization: Bearer $secret" \
        "http://127.0.0.1:$serve_port/api/dossiers/1")
    python3 - "$tmp/r" <<'PY' && [ "$code" = 200 ] &&
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == "2025-07-01" and d["state"] == "submitted", d
PY
        ok "GET of a dossier whose version the server lacks: 200, on its stored text (was 409)" ||
        fail "GET of a dossier whose version the server lacks: 200, on its stored text (was 409)" "HTTP $code" "$(cat "$tmp/r")"
    code=$(curl -s -o "$tmp/r" -w '%{http_code}' --max-time 20 -H "Authorization: Bearer $secret" \
        -H 'Content-Type: application/json' -d '{"event":"receive"}' \
        "http://127.0.0.1:$serve_port/api/dossiers/1/events")
    [ "$code" = 200 ] && ok "... and a transition of it: 200" || fail "... and a transition of it: 200" "HTTP $code" "$(cat "$tmp/r")"
    code=$(curl -s -o "$tmp/r" -w '%{http_code}' --max-time 20 -H "Authorization: Bearer $secret" \
        "http://127.0.0.1:$serve_port/api/dossiers/2")
    python3 - "$tmp/r" <<'PY' && [ "$code" = 409 ] &&
import json, sys
d = json.load(open(sys.argv[1]))
assert "procedure-gone" in json.dumps(d), d
assert "version '2025-07-01', which the catalogue no longer has" in json.dumps(d), d
PY
        ok "GET of a dossier without a stored text whose version the server lacks: 409 procedure-gone" ||
        fail "GET of a dossier without a stored text whose version the server lacks: 409 procedure-gone" "HTTP $code" "$(cat "$tmp/r")"
    # The same asked in Vietnamese: said from the engine's code, its arguments as in English.
    code=$(curl -s -o "$tmp/r" -w '%{http_code}' --max-time 20 -H "Authorization: Bearer $secret" \
        -H 'Accept-Language: vi' "http://127.0.0.1:$serve_port/api/dossiers/2")
    python3 - "$tmp/r" <<'PY' && [ "$code" = 409 ] &&
import json, sys
d = json.load(open(sys.argv[1]))
assert d["error"] == "procedure-gone" and d["code"] == "dossier.procedure-gone", d
assert d["args"] == ["2", "death-registration", "2025-07-01"], d
assert d["message"] == ("hồ sơ 2 theo thủ tục 'death-registration' phiên bản '2025-07-01', "
                        "danh mục thủ tục hiện tại không còn phiên bản này"), d
PY
        ok "... asked in Vietnamese: 409 procedure-gone said from its code" ||
        fail "... asked in Vietnamese: 409 procedure-gone said from its code" "HTTP $code" "$(cat "$tmp/r")"
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=""
fi
# ---- SIGHUP: the catalogue again, applied only when it passes the check ----
live=$tmp/live
cp -r "$old" "$live"
serve_start "$tmp/ho" "$tmp/he" "$bin" --tokens "$tmp/tokens" --db "$db" --catalogue "$live" --now 2025-07-03T12:00
pid=$serve_pid
health() { curl -s --max-time 20 "http://127.0.0.1:$serve_port/api/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["catalogue"])'; }
# hup LINE: SIGHUP, then wait (10 s at most) for the LINE-th line of the server's reload
# messages, and print it.
hup() {
    kill -HUP "$pid"
    for _ in $(seq 100); do
        got=$(grep "^[0-9T:.-]*Z [a-z]* catalogue " "$tmp/he" | sed -n "$1p" | sed 's/^[0-9T:.-]*Z //')
        [ -n "$got" ] && break
        sleep 0.1
    done
    echo "$got"
}
get1() { curl -s -o "$tmp/r" -w '%{http_code}' --max-time 20 -H "Authorization: Bearer $secret" "http://127.0.0.1:$serve_port/api/dossiers/1"; }
if [ -z "$serve_port" ]; then
    fail "serve starts on the catalogue in use" "$(cat "$tmp/he")"
else
    before=$(health)
    sed -i 's/^function death_fee(/function death_fee_2026(/' "$live/rules/civil.lua"
    line=$(hup 1)
    [ "$line" = "error catalogue not reloaded, the one in use stays: $live/procedures/civil-status/death-registration.proc:20:20: unknown rule function 'death_fee' in module 'civil' (and 2 errors in all)" ] &&
        [ "$(health)" = "$before" ] && [ "$(get1)" = 200 ] &&
        ok "SIGHUP with a catalogue with errors: one line, the one in use stays, requests answered" ||
        fail "SIGHUP with a catalogue with errors: one line, the one in use stays, requests answered" "$line" "$(cat "$tmp/he")"
    sed -i 's/^    effective 2025-07-01$/    effective 2026-01-01/; s/civil\.death_fee\b/civil.death_fee_2026/' \
        "$live/procedures/civil-status/death-registration.proc"
    sed -i 's/civil\.death_fee\b/civil.death_fee_2026/' "$live/procedures/interconnected/death-residence-funeral.proc"
    line=$(hup 2)
    [ "$line" = "error catalogue not reloaded, the one in use stays: it cannot run 3 open dossiers of the store (see 'motcua deploy-check')" ] &&
        [ "$(health)" = "$before" ] && [ "$(get1)" = 200 ] &&
        ok "SIGHUP with a catalogue that breaks open dossiers: one line, the one in use stays, requests answered" ||
        fail "SIGHUP with a catalogue that breaks open dossiers: one line, the one in use stays, requests answered" "$line" "$(cat "$tmp/he")"
    rm -rf "$live" && cp -r "$trans" "$live"
    line=$(hup 3)
    after=$(health)
    code=$(get1)
    case "$line" in "info catalogue reloaded: "*) applied=yes ;; *) applied=no ;; esac
    python3 - "$tmp/r" <<'PY' && [ "$applied" = yes ] && [ "$after" != "$before" ] && [ "$code" = 200 ] &&
import json, sys
d = json.load(open(sys.argv[1]))
assert [a["event"] for a in d["actions"]] == ["receive", "request-supplement", "refuse-reception"], d["actions"]
PY
        ok "SIGHUP with a good catalogue applies it; dossier 1 still offers its own text's transitions" ||
        fail "SIGHUP with a good catalogue applies it; dossier 1 still offers its own text's transitions" "$line" "HTTP $code" "$before -> $after" "$(cat "$tmp/he" "$tmp/r")"
    line=$(hup 4)
    case "$line" in "info catalogue reloaded: "*) applied=yes ;; *) applied=no ;; esac
    [ "$applied" = yes ] && [ "$(health)" = "$after" ] && [ "$(get1)" = 200 ] &&
        ok "a second SIGHUP reloads again (the catalogue replaced is kept for the requests that began on it)" ||
        fail "a second SIGHUP reloads again (the catalogue replaced is kept for the requests that began on it)" "$line" "$(cat "$tmp/he")"
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=""
fi
echo "1..$n"
