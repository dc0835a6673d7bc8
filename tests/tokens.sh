#!/usr/bin/env bash
# Tokens (issue 19; docs/operations.md "Tokens", docs/cli.md `token`, docs/api.md "Tokens"):
# `motcua token add|revoke|list` and their refusals, edits at once that do not interleave; a
# token of two agencies that sees both and not a third; `serve` reloading its tokens on SIGHUP
# (a new token works, a revoked one gets 401, a broken file keeps the old tokens, a request in
# flight finishes with its principal, a kept-alive connection is not dropped); `--listen` on IPv6
# and a bad address. Prints TAP lines; run by tools/run-tests.sh as  bash tests/tokens.sh MOTCUA
set -u
bin=${1:?usage: tokens.sh MOTCUA}
tmp=$(mktemp -d)
pid=""
bg=()
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    for p in "${bg[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/tap.sh"
# is NAME COMMAND…: the command must succeed
is() {
    local name=$1
    shift
    if "$@" >"$tmp/is" 2>&1; then ok "$name"; else fail "$name" "$(head -c 600 "$tmp/is")"; fi
}
for tool in curl python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "not ok 1 - tokens: $tool is not installed"
        echo "1..1"
        exit 1
    fi
done
umask 022
tok=$tmp/tokens
# mt ARGS…: motcua token, its stdout in $tmp/o, stderr in $tmp/e; the exit status in $rc
mt() {
    "$bin" token "$@" >"$tmp/o" 2>"$tmp/e"
    rc=$?
}

# ---- the token command ----
mt add --tokens "$tok" --actor lan --roles clerk --agency commune-committee
lan=$(cat "$tmp/o")
[ "$rc" = 0 ] && [[ "$lan" =~ ^[A-Za-z0-9_-]{43}$ ]] && [ "$(wc -l <"$tmp/o")" = 1 ] &&
    ok "token add makes a secret of 32 random bytes and prints it alone on stdout" ||
    fail "token add makes a secret of 32 random bytes and prints it alone on stdout" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
grep -q "^motcua: token of 'lan' added to $tok (a running serve takes it on SIGHUP); its secret, above, is shown only now$" "$tmp/e" &&
    ok "... and says on stderr where it went" || fail "... and says on stderr where it went" "$(cat "$tmp/e")"
[ "$(stat -c %a "$tok")" = 600 ] && ok "a new tokens file is 0600 (umask 022)" || fail "a new tokens file is 0600 (umask 022)" "$(stat -c %a "$tok")"
! grep -q -- "$lan" "$tok" && grep -q "^$("$bin" hash-token "$lan") lan clerk commune-committee$" "$tok" &&
    ok "the file keeps the secret's hash, never the secret" || fail "the file keeps the secret's hash, never the secret" "$(cat "$tok")"
mt add --tokens "$tok" --actor sup --roles head --agency '*'
sup=$(cat "$tmp/o")
mt add --tokens "$tok" --actor multi --roles clerk,head --agency commune-committee,ward-b
multi=$(cat "$tmp/o")
printf 'portal-secret-0123456789\n' >"$tmp/in"
"$bin" token add --tokens "$tok" --actor portal --roles clerk --agency commune-committee --secret-stdin \
    <"$tmp/in" >"$tmp/o" 2>"$tmp/e"
rc=$?
[ "$rc" = 0 ] && [ ! -s "$tmp/o" ] && grep -q "$("$bin" hash-token portal-secret-0123456789) portal clerk" "$tok" &&
    ok "--secret-stdin reads the secret, prints nothing on stdout, stores its hash" ||
    fail "--secret-stdin reads the secret, prints nothing on stdout, stores its hash" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
mt add --tokens "$tok" --actor an --roles applicant --subject 079123456789
an=$(cat "$tmp/o")
cp "$tok" "$tmp/before"

mt add --tokens "$tok" --actor lan --roles clerk --agency commune-committee
[ "$rc" = 1 ] && [ ! -s "$tmp/o" ] && cmp -s "$tok" "$tmp/before" &&
    grep -q "^motcua: the actor 'lan' already has a token (line 1): revoke it first, or name the new one otherwise$" "$tmp/e" &&
    ok "a duplicate actor: exit 1, no secret printed, the file unchanged" ||
    fail "a duplicate actor: exit 1, no secret printed, the file unchanged" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
mt add --tokens "$tok" --actor x --roles 'clerk;head'
[ "$rc" = 2 ] && cmp -s "$tok" "$tmp/before" &&
    grep -q "^motcua: the role 'clerk;head' is not a name (letters, digits, '-', '_', '.'); --roles takes ROLE\[,ROLE...\] (see 'motcua help')$" "$tmp/e" &&
    ok "a role that is not a name: exit 2, the file unchanged" || fail "a role that is not a name: exit 2, the file unchanged" "exit $rc" "$(cat "$tmp/e")"
mt add --tokens "$tok" --actor x --roles clerk,,head
[ "$rc" = 2 ] && grep -q "^motcua: --roles 'clerk,,head': an empty role name in the list" "$tmp/e" &&
    ok "an empty role in the list: exit 2" || fail "an empty role in the list: exit 2" "exit $rc" "$(cat "$tmp/e")"
mt add --tokens "$tok" --actor x --roles clerk --agency 'a,*'
[ "$rc" = 2 ] && grep -q "'\*' (every agency) and '-' (none) stand alone" "$tmp/e" &&
    ok "'*' inside a list of agencies: exit 2" || fail "'*' inside a list of agencies: exit 2" "exit $rc" "$(cat "$tmp/e")"
mt add --tokens "$tok" --actor x --roles applicant
[ "$rc" = 2 ] && grep -q "an applicant token has the one role 'applicant' and a SUBJECT" "$tmp/e" &&
    ok "an applicant without a subject: exit 2" || fail "an applicant without a subject: exit 2" "exit $rc" "$(cat "$tmp/e")"
mt add --tokens "$tok" --actor x --roles clerk --secret hunter2-hunter2-hunter2
[ "$rc" = 2 ] && cmp -s "$tok" "$tmp/before" &&
    grep -q "^motcua: a secret on the command line is seen by every user of the machine (ps, shell history): pipe it to --secret-stdin, or let token add make one (see 'motcua help')$" "$tmp/e" &&
    ok "a secret on the command line (--secret): refused, exit 2" || fail "a secret on the command line (--secret): refused, exit 2" "exit $rc" "$(cat "$tmp/e")"
mt add hunter2-hunter2-hunter2 --tokens "$tok" --actor x --roles clerk
[ "$rc" = 2 ] && cmp -s "$tok" "$tmp/before" && grep -q "a secret is never given on the command line" "$tmp/e" &&
    ok "a secret as an argument: refused, exit 2" || fail "a secret as an argument: refused, exit 2" "exit $rc" "$(cat "$tmp/e")"
printf 'short\n' | "$bin" token add --tokens "$tok" --actor x --roles clerk --secret-stdin >"$tmp/o" 2>"$tmp/e"
rc=$?
[ "$rc" = 2 ] && cmp -s "$tok" "$tmp/before" && grep -q "^motcua: --secret-stdin: the secret is one line of 16 to 512 visible ASCII characters, without blanks$" "$tmp/e" &&
    ok "a short secret on stdin: refused, exit 2" || fail "a short secret on stdin: refused, exit 2" "exit $rc" "$(cat "$tmp/e")"
chmod 664 "$tok"
mt add --tokens "$tok" --actor x --roles clerk
[ "$rc" = 1 ] && [ ! -s "$tmp/o" ] && grep -q "^motcua: $tok can be written by group or others, who could add a token: chmod 600 $tok$" "$tmp/e" &&
    ok "a tokens file the group can write: refused, exit 1" || fail "a tokens file the group can write: refused, exit 1" "exit $rc" "$(cat "$tmp/e")"
mt list --tokens "$tok"
[ "$rc" = 1 ] && ok "... list refuses it too" || fail "... list refuses it too" "exit $rc"
chmod 600 "$tok"
mt add --tokens "$tmp/nodir/tokens" --actor x --roles clerk
[ "$rc" = 3 ] && [ ! -s "$tmp/o" ] && grep -q "^motcua: cannot open $tmp/nodir/tokens: No such file or directory$" "$tmp/e" &&
    ok "a folder that does not exist: exit 3, no secret printed" || fail "a folder that does not exist: exit 3, no secret printed" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"

mt list --tokens "$tok"
[ "$rc" = 0 ] && [ "$(sed -n 1p "$tmp/o" | tr -s ' ')" = "ACTOR ROLES AGENCIES SUBJECT HASH" ] &&
    grep -q "^multi  *clerk,head  *commune-committee,ward-b  *-  *blake2b:[0-9a-f]\{16\}$" "$tmp/o" &&
    grep -q "^an  *applicant  *-  *079123456789  *blake2b:" "$tmp/o" &&
    ! grep -q -e "$lan" -e "$multi" -e portal-secret "$tmp/o" && ! grep -q "[0-9a-f]\{64\}" "$tmp/o" &&
    ok "token list shows actors, roles, agencies and a hash prefix, never a secret" ||
    fail "token list shows actors, roles, agencies and a hash prefix, never a secret" "$(cat "$tmp/o" "$tmp/e")"
mt list --tokens "$tok" --format json
python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
m = [t for t in d if t["actor"] == "multi"][0]
assert m["roles"] == ["clerk", "head"] and m["agencies"] == ["commune-committee", "ward-b"], m
assert [t for t in d if t["actor"] == "sup"][0]["agencies"] == ["*"]' "$tmp/o" 2>"$tmp/py" &&
    ok "token list --format json gives roles and agencies as lists" || fail "token list --format json gives roles and agencies as lists" "$(cat "$tmp/py" "$tmp/o")"

# Twenty edits at once: the lock makes them take turns, so none is lost.
for i in $(seq 20); do
    "$bin" token add --tokens "$tmp/many" --actor "desk$i" --roles clerk --agency a >/dev/null 2>>"$tmp/many.err" &
    bg+=($!)
done
wait "${bg[@]}" 2>/dev/null
bg=()
[ "$(grep -c ' desk[0-9]* clerk a$' "$tmp/many")" = 20 ] && [ "$(ls "$tmp" | grep -c '^many')" = 2 ] &&
    ok "twenty token adds at once: all twenty lines, no temporary file left" ||
    fail "twenty token adds at once: all twenty lines, no temporary file left" "$(cat "$tmp/many.err")" "$(ls "$tmp")"

mt revoke nobody --tokens "$tok"
[ "$rc" = 1 ] && grep -q "^motcua: no token of actor 'nobody' in $tok$" "$tmp/e" &&
    ok "revoke of an unknown actor: exit 1" || fail "revoke of an unknown actor: exit 1" "exit $rc" "$(cat "$tmp/e")"
mt revoke blake2b:0 --tokens "$tok"
[ "$rc" = 1 ] && grep -q "give at least 8 hex digits" "$tmp/e" && ok "revoke by a hash prefix too short: exit 1" ||
    fail "revoke by a hash prefix too short: exit 1" "exit $rc" "$(cat "$tmp/e")"

# ---- serve: several agencies, reload on SIGHUP ----
# The test catalogue with procedures of two more agencies, and one whose fee rule takes a while
# (a request still running while the tokens are reloaded).
cat=$tmp/cat
cp -r tests/fixtures/cli-catalogue "$cat"
for x in b c; do
    sed -e "s/^procedure birth-registration/procedure birth-$x/" -e "s/code \"1.001193\"/code \"9.00$x\"/" \
        -e "s/agency commune-committee/agency ward-$x/" \
        tests/fixtures/cli-catalogue/procedures/civil-status/birth-registration.proc \
        >"$cat/procedures/civil-status/birth-$x.proc"
done
cat >"$cat/procedures/civil-status/slow-registration.proc" <<'PROC'
procedure slow-registration {
    code "9.998"
    title "A registration whose fee rule takes a while (tests/tokens.sh)"
    agency commune-committee
    effective 2025-07-01
    calendar vn
    time-limit 1wd
    fee rule civil.slow_fee
    subject citizen-id
    lifecycle one-stop
    field citizen-id { type text; required; pattern "[0-9]{12}" }
}
PROC
loops=150000000 # about a second and a half here
printf '\n-- Takes a while (tests/tokens.sh).\nfunction slow_fee(d)\n  local n = 0\n  for i = 1, %s do n = n + 1 end\n  return 0\nend\n' \
    "$loops" >>"$cat/rules/civil.lua"

. tools/serve-lib.sh
: >"$tmp/serve.out"
serve_start "$tmp/serve.out" "$tmp/serve.err" "$bin" --tokens "$tok" --db "$tmp/s.db" \
    --catalogue "$cat" --now 2025-07-14T09:00 --rule-steps 20000000000 --rule-time 60000
pid=$serve_pid
url="http://127.0.0.1:$serve_port"
if [ -z "$serve_port" ]; then
    fail "the server starts with the tokens the command wrote" "$(cat "$tmp/serve.err")"
    echo "1..$n"
    exit 1
fi
ok "the server starts with the tokens the command wrote"

# call TOKEN METHOD PATH [BODY]: prints the status; the body goes to $tmp/r.
call() {
    local token=$1 method=$2 path=$3 body=${4:-}
    local args=(-s -o "$tmp/r" -w '%{http_code}' --max-time 30 -X "$method")
    [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    curl "${args[@]}" "$url$path"
}
member() {
    python3 -c 'import json,sys
try:
    d=json.load(open(sys.argv[2]))
    for k in sys.argv[1].split("."):
        d = d[int(k)] if isinstance(d, list) else d.get(k)
except Exception:
    d = None
print("null" if d is None else d)' "$1" "${2:-$tmp/r}"
}
# expect STATUS KEY VALUE NAME TOKEN METHOD PATH [BODY]
expect() {
    local want=$1 key=$2 value=$3 name=$4
    shift 4
    local got m
    got=$(call "$@")
    m=$(member "$key")
    if [ "$got" = "$want" ] && [ "$m" = "$value" ]; then
        ok "$name"
    else
        fail "$name" "status $got (wanted $want), $key=$m (wanted $value)" "$(head -c 400 "$tmp/r")"
    fi
}
body() { # body PROCEDURE SUBJECT
    echo "{\"procedure\":\"$1\",\"fields\":{\"citizen-id\":\"$2\",\"parents-married\":false},\"attach\":[\"birth-notice\",\"citizen-identity\"]}"
}

expect 201 id 1 "a '*' token files in commune-committee" "$sup" POST /api/dossiers "$(body birth-registration 079000000001)"
expect 201 id 2 "... in ward-b" "$sup" POST /api/dossiers "$(body birth-b 079000000002)"
expect 201 id 3 "... and in ward-c" "$sup" POST /api/dossiers "$(body birth-c 079000000003)"
call "$multi" GET /api/whoami >/dev/null
[ "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["agencies"], d["agency"])' "$tmp/r")" = "['commune-committee', 'ward-b'] None" ] &&
    ok "whoami of a token of two agencies lists both (agency null)" || fail "whoami of a token of two agencies lists both (agency null)" "$(cat "$tmp/r")"
call "$multi" GET /api/dossiers >/dev/null
[ "$(python3 -c 'import json,sys; print(sorted(x["agency"] for x in json.load(open(sys.argv[1]))["dossiers"]))' "$tmp/r")" = "['commune-committee', 'ward-b']" ] &&
    ok "the queue of a token of two agencies holds the dossiers of both, not the third's" ||
    fail "the queue of a token of two agencies holds the dossiers of both, not the third's" "$(head -c 600 "$tmp/r")"
expect 200 id 1 "... it reads a dossier of its first agency" "$multi" GET /api/dossiers/1
expect 200 id 2 "... and of its second" "$multi" GET /api/dossiers/2
expect 403 error forbidden "... not one of a third agency: 403" "$multi" GET /api/dossiers/3
expect 201 id 4 "... it files in its second agency" "$multi" POST /api/dossiers "$(body birth-b 079000000004)"
expect 403 error forbidden "... not in a third: 403" "$multi" POST /api/dossiers "$(body birth-c 079000000005)"
expect 200 id 2 "... it fires an event on a dossier of its second agency" "$multi" POST /api/dossiers/2/events '{"event":"receive","as":"clerk"}'
expect 200 subject 079000000002 "... it reads the records of a subject of its second agency's dossier" "$multi" GET '/api/registries/records?subject=079000000002'
expect 403 error forbidden "... not of a subject of a third agency's only" "$multi" GET '/api/registries/records?subject=079000000003'
call "$multi" GET '/api/indicators?from=2025-07-01&to=2025-07-31' >/dev/null
[ "$(python3 -c 'import json,sys; print(sorted(x["name"] for x in json.load(open(sys.argv[1]))["agencies"]))' "$tmp/r")" = "['commune-committee', 'ward-b']" ] &&
    ok "... its indicators have the rows of its two agencies" || fail "... its indicators have the rows of its two agencies" "$(head -c 600 "$tmp/r")"
expect 200 actor lan "a one-agency token works as before" "$lan" GET /api/whoami
expect 200 agency commune-committee "... and whoami still names its agency" "$lan" GET /api/whoami

# A kept-alive connection across every reload below: the same socket answers before and after.
mkfifo "$tmp/ka.in"
cat >"$tmp/ka.py" <<'PY'
import http.client, sys
port, token = int(sys.argv[1]), sys.argv[2]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
def get():
    c.request("GET", "/api/whoami", headers={"Authorization": "Bearer " + token})
    r = c.getresponse()
    r.read()
    return r.status, c.sock.getsockname()
first = get()
print("first", first[0], flush=True)
sys.stdin.readline()          # the reloads happen meanwhile
second = get()
print("second", second[0], "same-socket" if first[1] == second[1] else "new-socket", flush=True)
PY
python3 "$tmp/ka.py" "$serve_port" "$lan" <"$tmp/ka.in" >"$tmp/ka.out" 2>&1 &
kapid=$!
exec 7>"$tmp/ka.in"
for _ in $(seq 50); do grep -q '^first' "$tmp/ka.out" && break; sleep 0.1; done

reloads=0
# hup: SIGHUP, then wait for the server's line about it; the line in $tmp/hup
hup() {
    reloads=$((reloads + 1))
    kill -HUP "$pid"
    for _ in $(seq 100); do
        [ "$(grep -c '^[0-9T:.-]*Z [a-z]* tokens ' "$tmp/serve.err")" -ge "$reloads" ] && break
        sleep 0.05
    done
    grep '^[0-9T:.-]*Z [a-z]* tokens ' "$tmp/serve.err" | sed -n "${reloads}p" >"$tmp/hup"
}

mt add --tokens "$tok" --actor hoa --roles head --agency commune-committee
hoa=$(cat "$tmp/o")
expect 401 error unauthorized "a token added to the file is unknown until SIGHUP: 401" "$hoa" GET /api/whoami
hup
expect 200 actor hoa "after SIGHUP the new token works" "$hoa" GET /api/whoami
grep -q "^[0-9T:.-]*Z info tokens reloaded from $tok: 6 tokens$" "$tmp/hup" && ok "the reload says so in one line of the error log (stderr)" ||
    fail "the reload says so in one line of the error log (stderr)" "$(cat "$tmp/hup")"
kill -0 "$pid" 2>/dev/null && ok "SIGHUP does not stop the server" || fail "SIGHUP does not stop the server"

mt revoke hoa --tokens "$tok"
expect 200 actor hoa "a revoked token works until SIGHUP" "$hoa" GET /api/whoami
hup
expect 401 error unauthorized "after SIGHUP the revoked token gets 401" "$hoa" GET /api/whoami
expect 200 actor lan "... and the others still work" "$lan" GET /api/whoami

cp "$tok" "$tmp/good"
echo "blake2b:00 broken line x" >>"$tok"
hup
grep -q "^[0-9T:.-]*Z error tokens not reloaded, the previous ones stay: $tok:6:1: the hash must be 'blake2b:' and 64 hex digits (motcua hash-token TOKEN)$" "$tmp/hup" &&
    ok "a broken tokens file on SIGHUP: refused in one line with its position" || fail "a broken tokens file on SIGHUP: refused in one line with its position" "$(cat "$tmp/hup")"
expect 200 actor lan "... and the old tokens still work" "$lan" GET /api/whoami
cp "$tmp/good" "$tok"
chmod 666 "$tok"
hup
grep -q "^[0-9T:.-]*Z error tokens not reloaded, the previous ones stay: $tok can be written by group or others" "$tmp/hup" &&
    ok "a tokens file others can write on SIGHUP: refused, the old tokens stay" || fail "a tokens file others can write on SIGHUP: refused, the old tokens stay" "$(cat "$tmp/hup")"
chmod 600 "$tok"
expect 200 actor multi "... and still work" "$multi" GET /api/whoami

# A request in flight during a reload that revokes its token finishes, as its token's actor.
t0=$(date +%s.%N)
curl -s -o "$tmp/slow" -w '%{http_code}' --max-time 60 -X POST -H "Authorization: Bearer $lan" \
    -H 'Content-Type: application/json' --data-binary '{"procedure":"slow-registration","fields":{"citizen-id":"079000000009"}}' \
    "$url/api/dossiers" >"$tmp/slow.status" &
slowpid=$!
sleep 0.3
mt revoke lan --tokens "$tok"
hup
t_reload=$(date +%s.%N)
expect 401 error unauthorized "the revoked token's new requests get 401 at once" "$lan" GET /api/whoami
still=0
kill -0 "$slowpid" 2>/dev/null && still=1
wait "$slowpid"
slow_id=$(member id "$tmp/slow")
call "$sup" GET "/api/dossiers/$slow_id" >/dev/null
if [ "$still" = 1 ] && [ "$(cat "$tmp/slow.status")" = 201 ] && [ "$(member history.0.body.user)" = lan ]; then
    ok "a request running across the reload that revoked its token finishes (201, user lan)"
else
    fail "a request running across the reload that revoked its token finishes (201, user lan)" \
        "still running at the reload: $still (from $t0 to $t_reload)" "status $(cat "$tmp/slow.status")" "$(head -c 300 "$tmp/slow")"
fi

# The kept-alive connection opened before the first reload answers on the same socket.
echo go >&7 2>/dev/null
exec 7>&-
wait "$kapid"
grep -q '^second 401 same-socket$' "$tmp/ka.out" &&
    ok "a kept-alive connection open across five reloads is not dropped (same socket; its token now revoked: 401)" ||
    fail "a kept-alive connection open across five reloads is not dropped (same socket; its token now revoked: 401)" "$(cat "$tmp/ka.out")"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=""
[ "$rc" = 0 ] && ok "SIGTERM after reloads: exit 0" || fail "SIGTERM after reloads: exit 0" "exit $rc" "$(cat "$tmp/serve.err")"

# ---- the listen address ----
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
    "$bin" serve --listen '[::1]:0' --tokens "$tok" --db "$tmp/s.db" --catalogue "$cat" >"$tmp/v6.out" 2>"$tmp/v6.err" &
    pid=$!
    port6=""
    for _ in $(seq 50); do
        port6=$(sed -n 's|^motcua: serving http://\[::1\]:\([0-9]*\)/ (stop with Ctrl-C)$|\1|p' "$tmp/v6.out")
        [ -n "$port6" ] && break
        sleep 0.1
    done
    got=$(curl -s -o "$tmp/r" -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $multi" "http://[::1]:$port6/api/whoami")
    [ -n "$port6" ] && [ "$got" = 200 ] && [ "$(member actor)" = multi ] &&
        ok "--listen [::1]:0 serves on IPv6 and says so (http://[::1]:PORT/)" ||
        fail "--listen [::1]:0 serves on IPv6 and says so (http://[::1]:PORT/)" "port '$port6', status $got" "$(cat "$tmp/v6.out" "$tmp/v6.err")"
    kill -TERM "$pid"
    wait "$pid"
    pid=""
else
    fail "--listen [::1]:0 serves on IPv6" "this machine has no IPv6 loopback (::1)"
fi
for bad in 'nowhere' '::1:8080' '[::1]' '[::1]:' '[::1]:99999' '127.0.0.1:-1' '[127.0.0.1]:80' '[fe80::1:8080' 'localhost:8080'; do
    "$bin" serve --listen "$bad" --tokens "$tok" --catalogue "$cat" >"$tmp/o" 2>"$tmp/e"
    rc=$?
    if [ "$rc" = 2 ] && [ "$(wc -l <"$tmp/e")" = 1 ] &&
        grep -qF "motcua: --listen takes ADDRESS:PORT, an IPv4 address or an IPv6 one in brackets (127.0.0.1:8080, [::1]:8080), not '$bad' (see 'motcua help')" "$tmp/e"; then
        ok "--listen '$bad': one line, exit 2"
    else
        fail "--listen '$bad': one line, exit 2" "exit $rc" "$(cat "$tmp/e")"
    fi
done

echo "1..$n"
