#!/usr/bin/env bash
# The one-stop desk's back end (issue 21, docs/api.md): POST /api/dossiers/preview, the citizen's
# GET /api/track and its limit per address, GET /api/indicators?by=officer and
# `motcua report --by officer`, each with its failure paths, against real servers on loopback
# driven with curl. Prints TAP lines; run by tools/run-tests.sh as  bash tests/desk.sh BUILD/motcua,
# and again with MC_TEST_PG set, on PostgreSQL.
set -u
bin=${1:?usage: desk.sh MOTCUA}
cat=tests/fixtures/cli-catalogue
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"
. tools/serve-lib.sh

if ! command -v curl >/dev/null 2>&1; then
    echo "ok 1 - desk # SKIP curl is not installed"
    echo "1..1"
    exit 0
fi

# The store: a SQLite file, or with MC_TEST_PG (the PostgreSQL pass of tools/run-tests.sh) a
# schema of that database.
if [ -n "${MC_TEST_PG:-}" ]; then
    psql -X -q -d "$MC_TEST_PG" -c "CREATE SCHEMA desk_$$" >/dev/null || exit 1
    db="$MC_TEST_PG options='-csearch_path=desk_$$'"
else
    db=$tmp/desk.db
fi
{
    echo "# test tokens"
    echo "$("$bin" hash-token clerk-secret) lan clerk commune-committee"
    echo "$("$bin" hash-token head-secret) hoa head,clerk commune-committee"
    echo "$("$bin" hash-token other-secret) minh clerk,head other-agency"
    echo "$("$bin" hash-token citizen-secret) an applicant - 079123456789"
} >"$tmp/tokens"
printf 'document,subject,reference,issued\nmarriage-certificate,079123456789,CS-1,2019-05-04\n' >"$tmp/cs.csv"
"$bin" registry import civil-status "$tmp/cs.csv" --catalogue "$cat" --db "$db" \
    --now 2025-07-01T08:00 >/dev/null

# start NOW [ARGS…]: a server on the store at that instant (the previous one stopped first)
start() {
    local now=$1
    shift
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    serve_start "$tmp/serve.out" "$tmp/serve.err" "$bin" --tokens "$tmp/tokens" --db "$db" \
        --catalogue "$cat" --now "$now" "$@"
    pid=$serve_pid
    url="http://127.0.0.1:$serve_port"
    [ -n "$serve_port" ]
}

# call TOKEN METHOD PATH [BODY] : prints the status, the body in $tmp/r, the headers in $tmp/h
call() {
    local token=$1 method=$2 path=$3 body=${4:-}
    local args=(-s -D "$tmp/h" -o "$tmp/r" -w '%{http_code}' -X "$method" "${extra[@]}")
    [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    curl "${args[@]}" "$url$path"
}
extra=()
# member KEY: a member of the last answer (dotted path, list indexes as numbers)
member() {
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d.get(k)
print("null" if d is None else (str(d).lower() if isinstance(d, bool) else (json.dumps(d, ensure_ascii=False) if isinstance(d, (list, dict)) else d)))' "$tmp/r" "$1" 2>/dev/null
}
# expect STATUS KEY VALUE NAME TOKEN METHOD PATH [BODY]: the status and a member's value
expect() {
    local want=$1 key=$2 value=$3 name=$4
    shift 4
    local got m
    got=$(call "$@")
    m=$(member "$key")
    if [ "$got" = "$want" ] && [ "$m" = "$value" ]; then
        ok "$name"
    else
        fail "$name" "status $got (wanted $want), $key=$m (wanted $value)" "$(head -c 500 "$tmp/r")"
    fi
}

if ! start 2025-07-14T09:00; then
    fail "the server starts" "$(cat "$tmp/serve.err")"
    echo "1..$n"
    exit 0
fi

# ==== POST /api/dossiers/preview ==========================================================

birth='{"procedure":"birth-registration","fields":{"citizen-id":"079123456789","parents-married":true},"attach":["birth-notice"]}'
expect 200 checklist '[{"document": "birth-notice", "status": "provided"}, {"document": "marriage-certificate", "status": "fetched", "registry": "civil-status", "record": "CS-1"}, {"document": "citizen-identity", "status": "asked", "reason": "not found in population"}]' \
    "a preview gives the checklist a submission would have" clerk-secret POST /api/dossiers/preview "$birth"
keys=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$tmp/r")
[ "$keys" = "procedure subject checklist" ] && ok "a preview answers procedure, subject and checklist only" ||
    fail "a preview answers procedure, subject and checklist only" "$keys"
expect 200 counts.total 0 "a preview files nothing: the queue is empty" clerk-secret GET /api/dossiers
"$bin" history 1 --db "$db" --catalogue "$cat" >"$tmp/out" 2>&1
grep -q "unknown dossier 1" "$tmp/out" && ok "a preview records no event and no dossier" ||
    fail "a preview records no event and no dossier" "$(cat "$tmp/out")"
"$bin" audit --subject 079123456789 --db "$db" >"$tmp/audit"
grep -q "lan  *POST /api/dossiers/preview" "$tmp/audit" &&
    ok "the preview's read of the subject's registry data is in the access log" ||
    fail "the preview's read of the subject's registry data is in the access log" "$(cat "$tmp/audit")"
expect 200 checklist.1.status asked "without the marriage, the preview asks no certificate… of the registry: the identity card asked" \
    clerk-secret POST /api/dossiers/preview '{"procedure":"birth-registration","fields":{"citizen-id":"079123456780"}}'
expect 404 message "no procedure 'nope' is in force" "a preview of an unknown procedure: 404" \
    clerk-secret POST /api/dossiers/preview '{"procedure":"nope"}'
expect 422 code field.pattern "a preview with a field the procedure refuses: 422 invalid-field as submit says it" \
    clerk-secret POST /api/dossiers/preview '{"procedure":"birth-registration","fields":{"citizen-id":"12"}}'
[ "$(member error)" = invalid-field ] && [ "$(member message)" = "field 'citizen-id': '12' does not match its pattern \"[0-9]{12}\"" ] &&
    [ "$(member dossier)" = null ] && ok "the refusal has the submission's message and names no dossier" ||
    fail "the refusal has the submission's message and names no dossier" "$(cat "$tmp/r")"
expect 422 code field.required "a preview without a required field: 422" \
    clerk-secret POST /api/dossiers/preview '{"procedure":"birth-registration"}'
expect 422 code document.unknown "a preview attaching an unknown document: 422" \
    clerk-secret POST /api/dossiers/preview '{"procedure":"birth-registration","fields":{"citizen-id":"079123456789"},"attach":["nope"]}'
expect 403 message "procedure 'birth-registration' belongs to another agency" \
    "another agency's officer may not preview: 403" other-secret POST /api/dossiers/preview "$birth"
expect 403 message "the desk's preview is for officers" "an applicant's token may not preview: 403" \
    citizen-secret POST /api/dossiers/preview "$birth"
expect 400 message '"procedure" is required' "a preview without a procedure: 400" \
    clerk-secret POST /api/dossiers/preview '{}'
expect 400 error bad-request "a preview without a body: 400" clerk-secret POST /api/dossiers/preview
expect 401 error unauthorized "a preview without a token: 401" "" POST /api/dossiers/preview "$birth"
expect 405 error method "GET on the preview: 405" clerk-secret GET /api/dossiers/preview
expect 404 error not-found "a path that is not a dossier's stays 404" clerk-secret GET /api/dossiers/previews

# ==== GET /api/track ======================================================================

expect 201 id 1 "a clerk files a dossier" clerk-secret POST /api/dossiers "$birth"
expect 200 state processing "lan receives it" clerk-secret POST /api/dossiers/1/events '{"event":"receive"}'
expect 200 state processing "the citizen tracks it without a token" "" GET "/api/track?code=1&subject=079123456789"
python3 - "$tmp/r" >"$tmp/out" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
want = ["code", "procedure", "procedure_title", "state", "state_title", "final", "submitted",
        "due", "clock", "finished", "apology_new_date", "asked"]
assert list(d) == want, list(d)
assert d["clock"] == "running" and d["finished"] is None, d
assert d["code"] == 1 and d["procedure"] == "birth-registration", d
assert d["procedure_title"] == {"en": "Birth registration", "vi": "Đăng ký khai sinh"}, d
assert d["state_title"] == {"en": "processing", "vi": "processing"}, d
assert d["final"] is False and d["submitted"] == "2025-07-14T09:00", d
assert d["due"] == "2025-07-14T17:00" and d["apology_new_date"] is None, d
assert d["asked"] == [{"document": "citizen-identity",
                       "title": {"en": "Citizen identity card", "vi": "Căn cước công dân"},
                       "reason": "not found in population", "code": "once-only.not-found",
                       "args": ["population"]}], d["asked"]
EOF
[ $? = 0 ] && ok "the tracking answer is the minimal one, nothing else of the dossier" ||
    fail "the tracking answer is the minimal one, nothing else of the dossier" "$(cat "$tmp/out")"
grep -qi '^cache-control: no-store' "$tmp/h" && ok "the tracking answer is not cached" ||
    fail "the tracking answer is not cached" "$(cat "$tmp/h")"
"$bin" audit --subject 079123456789 --db "$db" >"$tmp/audit"
grep -q "tra-cuu  *GET /api/track  *dossier 1" "$tmp/audit" &&
    ok "each tracking answer is a read in the access log under the subject" ||
    fail "each tracking answer is a read in the access log under the subject" "$(cat "$tmp/audit")"
call "" GET "/api/track?code=1&subject=079123456780" >"$tmp/s1"
cp "$tmp/r" "$tmp/wrong"
call "" GET "/api/track?code=99&subject=079123456789" >"$tmp/s2"
cp "$tmp/r" "$tmp/absent"
call "" GET "/api/track?code=01&subject=079123456789" >"$tmp/s3"
cp "$tmp/r" "$tmp/badcode"
[ "$(cat "$tmp/s1")" = 404 ] && [ "$(cat "$tmp/s2")" = 404 ] && [ "$(cat "$tmp/s3")" = 404 ] &&
    cmp -s "$tmp/wrong" "$tmp/absent" && cmp -s "$tmp/wrong" "$tmp/badcode" &&
    grep -q '"message": "no dossier has this code with this identifier"' "$tmp/wrong" &&
    ok "a wrong pair, an absent dossier and a malformed code: the same 404, byte for byte" ||
    fail "a wrong pair, an absent dossier and a malformed code: the same 404, byte for byte" \
        "$(cat "$tmp/s1" "$tmp/s2" "$tmp/s3")" "$(cat "$tmp/wrong" "$tmp/absent" "$tmp/badcode")"
"$bin" audit --subject 079123456789 --db "$db" >"$tmp/audit"
"$bin" audit --subject 079123456780 --db "$db" >>"$tmp/audit"
[ "$(grep -c "GET /api/track" "$tmp/audit")" = 1 ] &&
    ok "a wrong pair is not a read: nothing more in the access log" ||
    fail "a wrong pair is not a read: nothing more in the access log" "$(cat "$tmp/audit")"
expect 400 message "code and subject are required" "no subject: 400" "" GET "/api/track?code=1"
expect 400 message "code and subject are required" "no code: 400" "" GET "/api/track?subject=079123456789"
# That is 6 requests of this address in the minute: the 7th to the 10th are answered, the 11th
# is not.
got=""
for i in 7 8 9 10; do got="$got $(call "" GET "/api/track?code=2&subject=x")"; done
[ "$got" = " 404 404 404 404" ] && ok "the 7th to the 10th request of the minute are answered" ||
    fail "the 7th to the 10th request of the minute are answered" "$got"
expect 429 error too-many-requests "the 11th request of a minute from one address: 429" "" GET "/api/track?code=1&subject=079123456789"
wait_s=$(sed -n 's/^too many look-ups from this address: try again in \([0-9]*\) seconds$/\1/p' <<<"$(member message)")
[ -n "$wait_s" ] && [ "$wait_s" -ge 1 ] && [ "$wait_s" -le 60 ] &&
    grep -qi "^retry-after: $wait_s" "$tmp/h" && ok "the 429 says when to come back (Retry-After)" ||
    fail "the 429 says when to come back (Retry-After)" "$(cat "$tmp/h" "$tmp/r")"
extra=(-H "X-Real-IP: 203.0.113.9" -H "X-Forwarded-For: 203.0.113.9")
expect 429 error too-many-requests "without --trusted-proxy, a forged X-Forwarded-For is not another address" "" GET "/api/track?code=1&subject=079123456789"
extra=()
expect 200 id 1 "the limit is the tracking's own: an officer still reads" clerk-secret GET /api/dossiers/1
expect 405 error method "POST on the tracking: 405" clerk-secret POST "/api/track?code=1&subject=079123456789" '{}'

# Behind a trusted proxy, the last address of its X-Forwarded-For is the client's; X-Real-IP is
# not read (a proxy that does not set it passes the client's own).
start 2025-07-15T09:00 --trusted-proxy 127.0.0.1 || fail "the server starts behind a proxy" "$(cat "$tmp/serve.err")"
for i in $(seq 10); do
    extra=(-H "X-Forwarded-For: 198.51.100.1, 203.0.113.$i")
    call "" GET "/api/track?code=1&subject=x" >/dev/null
done
extra=(-H "X-Forwarded-For: 203.0.113.1")
got=""
for i in $(seq 10); do got="$got $(call "" GET "/api/track?code=1&subject=x")"; done
extra=(-H "X-Forwarded-For: 203.0.113.77 ")
last=$(call "" GET "/api/track?code=1&subject=x")
extra=(-H "X-Forwarded-For: 203.0.113.1, not-an-address")
junk=$(call "" GET "/api/track?code=1&subject=x") # the peer's own count: 127.0.0.1's first
extra=()
[ "$got" = " 404 404 404 404 404 404 404 404 404 429" ] && [ "$last" = 404 ] && [ "$junk" = 404 ] &&
    ok "behind --trusted-proxy each X-Forwarded-For client has its own limit of 10 a minute" ||
    fail "behind --trusted-proxy each X-Forwarded-For client has its own limit of 10 a minute" "$got / $last / $junk"
for i in $(seq 10); do
    extra=(-H "X-Real-IP: 192.0.2.$i")
    call "" GET "/api/track?code=1&subject=x" >/dev/null
done
got=$(call "" GET "/api/track?code=1&subject=x")
extra=()
[ "$got" = 429 ] && ok "behind --trusted-proxy, X-Real-IP is not read: the peer's limit" ||
    fail "behind --trusted-proxy, X-Real-IP is not read: the peer's limit" "status $got"
start 2025-07-15T09:00 --trusted-proxy nginx 2>/dev/null
grep -q "motcua: --trusted-proxy takes an IPv4 or IPv6 address, not 'nginx'" "$tmp/serve.err" &&
    ok "--trusted-proxy that is not an address: refused at the start" ||
    fail "--trusted-proxy that is not an address: refused at the start" "$(cat "$tmp/serve.err")"

# ==== per officer ==========================================================================

# The next day: the dossier went overdue (due 14 July 17:00) while it waited for the head; hoa
# apologises, then approves it: the lateness is hoa's step, not lan's.
start 2025-07-15T09:00 || fail "the server starts on the next day" "$(cat "$tmp/serve.err")"
expect 200 apologized true "hoa apologises" head-secret POST /api/dossiers/1/apology \
    '{"as":"head","new_date":"2025-07-18","reason":"the archive is closed"}'
expect 200 apology_new_date 2025-07-18 "the tracking shows the apology's new date" "" GET "/api/track?code=1&subject=079123456789"
expect 200 state approved "hoa approves" head-secret POST /api/dossiers/1/events \
    '{"event":"approve","as":"head","attach":["citizen-identity"]}'
expect 201 id 2 "a second dossier" clerk-secret POST /api/dossiers "$birth"
expect 200 state awaiting-supplement "lan asks for a supplement" clerk-secret POST /api/dossiers/2/events \
    '{"event":"request-supplement","documents":["birth-notice"]}'
expect 409 code once-only.held "lan's request of a fetched document is refused by the once-only rule" \
    clerk-secret POST /api/dossiers/1/events '{"event":"return-result","documents":["marriage-certificate"]}'
expect 200 officers '[{"officer": "hoa", "handled": 1, "on_time": 0, "late": 1, "supplements": 0, "apologies": 1, "once_only_refusals": 0}, {"officer": "lan", "handled": 2, "on_time": 2, "late": 0, "supplements": 1, "apologies": 0, "once_only_refusals": 1}]' \
    "GET /api/indicators?by=officer: each officer's figures" clerk-secret GET "/api/indicators?from=2025-07-01&to=2025-07-31&by=officer"
[ "$(member procedures.0.received)" = 2 ] && ok "by=officer keeps the unit's indicators" ||
    fail "by=officer keeps the unit's indicators" "$(head -c 400 "$tmp/r")"
expect 200 officers '[]' "another agency's officer sees no officer of this one" other-secret GET "/api/indicators?by=officer"
expect 200 officers '[{"officer": "lan", "handled": 1, "on_time": 1, "late": 0, "supplements": 0, "apologies": 0, "once_only_refusals": 0}]' \
    "a period before the approval: lan's reception only" clerk-secret GET "/api/indicators?from=2025-07-01&to=2025-07-14&by=officer"
expect 400 message "by takes one value: officer" "by=agency: 400" clerk-secret GET "/api/indicators?by=agency"
expect 403 error forbidden "indicators per officer are not for applicants: 403" citizen-secret GET "/api/indicators?by=officer"
got=$(call clerk-secret GET "/api/indicators?from=2025-07-01&to=2025-07-31")
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit("officers" in d)' "$tmp/r" &&
    ok "without by=officer, no officers" || fail "without by=officer, no officers" "$(head -c 300 "$tmp/r")"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=""

"$bin" report --by officer --from 2025-07-01 --to 2025-07-31 --db "$db" --catalogue "$cat" >"$tmp/out" 2>&1
cat >"$tmp/want" <<'EOF'
officer                         handled  on time  late supplements apologies once-only
hoa                                   1        0     1           0         1         0
lan                                   2        2     0           1         0         1
EOF
diff "$tmp/want" "$tmp/out" >/dev/null && ok "report --by officer: the text table" ||
    fail "report --by officer: the text table" "$(diff "$tmp/want" "$tmp/out")"
"$bin" report --by officer --from 2025-07-01 --to 2025-07-31 --format csv --db "$db" --catalogue "$cat" >"$tmp/out" 2>&1
printf 'officer,handled,on_time,late,supplements,apologies,once_only_refusals\nhoa,1,0,1,0,1,0\nlan,2,2,0,1,0,1\n' >"$tmp/want"
diff "$tmp/want" "$tmp/out" >/dev/null && ok "report --by officer --format csv" ||
    fail "report --by officer --format csv" "$(diff "$tmp/want" "$tmp/out")"
"$bin" report --by officer --from 2025-07-01 --to 2025-07-31 --format json --db "$db" --catalogue "$cat" >"$tmp/r" 2>&1
[ "$(member officers.0.officer)$(member officers.0.late)$(member officers.1.handled)$(member from)" = hoa122025-07-01 ] &&
    ok "report --by officer --format json" || fail "report --by officer --format json" "$(cat "$tmp/r")"
"$bin" report --by officer --from 2025-07-01 --to 2025-07-31 --html "$tmp/o.html" --db "$db" --catalogue "$cat" >/dev/null 2>&1
grep -q "<td[^>]*>hoa</td>" "$tmp/o.html" && grep -q "Per officer" "$tmp/o.html" &&
    ok "report --by officer --html writes the page" || fail "report --by officer --html writes the page" "$(head -c 300 "$tmp/o.html")"
"$bin" report --by officer --from 2025-08-01 --to 2025-08-31 --db "$db" --catalogue "$cat" >"$tmp/out" 2>&1
grep -q "(no officer fired an event in the period)" "$tmp/out" && ok "report --by officer of an empty period says so" ||
    fail "report --by officer of an empty period says so" "$(cat "$tmp/out")"
"$bin" report --by agency --db "$db" --catalogue "$cat" >"$tmp/out" 2>&1
st=$?
[ $st = 2 ] && grep -q "motcua: --by takes officer, not 'agency'" "$tmp/out" && ok "report --by agency: usage error, exit 2" ||
    fail "report --by agency: usage error, exit 2" "exit $st" "$(cat "$tmp/out")"
"$bin" list --by officer --db "$db" --catalogue "$cat" >"$tmp/out" 2>&1
st=$?
[ $st = 2 ] && grep -q "list does not take --by" "$tmp/out" && ok "only report takes --by" ||
    fail "only report takes --by" "exit $st" "$(cat "$tmp/out")"

echo "1..$n"
