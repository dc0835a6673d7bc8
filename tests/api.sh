#!/usr/bin/env bash
# HTTP API tests of `motcua serve` (docs/api.md): a server on a free loopback port, driven with
# curl. Prints TAP lines; run by tools/run-tests.sh as  bash tests/api.sh BUILD/motcua, and
# again with MC_TEST_PG set, on PostgreSQL.
set -u
bin=${1:?usage: api.sh MOTCUA}
cat=tests/fixtures/cli-catalogue
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"
check() { # check NAME COMMAND… : the command must succeed
    local name=$1
    shift
    if "$@" >"$tmp/out" 2>&1; then ok "$name"; else fail "$name" "$(head -c 600 "$tmp/out")"; fi
}

if ! command -v curl >/dev/null 2>&1; then
    echo "ok 1 - api # SKIP curl is not installed"
    echo "1..1"
    exit 0
fi

# The stores: SQLite files, or with MC_TEST_PG (the PostgreSQL pass of tools/run-tests.sh) a
# schema of that database each.
store() {
    if [ -n "${MC_TEST_PG:-}" ]; then
        psql -X -q -d "$MC_TEST_PG" -c "CREATE SCHEMA api_$$_$1" >/dev/null || exit 1
        echo "$MC_TEST_PG options='-csearch_path=api_$$_$1'"
    else
        echo "$tmp/$1.db"
    fi
}
apidb=$(store api)
dndb=$(store dn)

# Tokens: two officers of the test catalogue's agency, one of another, and an applicant.
{
    echo "# test tokens"
    echo "$("$bin" hash-token clerk-secret) lan clerk commune-committee"
    echo "$("$bin" hash-token head-secret) hoa head,clerk commune-committee"
    echo "$("$bin" hash-token other-secret) minh clerk,head other-agency"
    echo "$("$bin" hash-token citizen-secret) an applicant - 079123456789"
    echo "$("$bin" hash-token registrar-secret) civil-status-feed registrar -"
} >"$tmp/tokens"
printf 'document,subject,reference,issued\nmarriage-certificate,079123456789,CS-1,2019-05-04\n' >"$tmp/cs.csv"
"$bin" registry import civil-status "$tmp/cs.csv" --catalogue "$cat" --db "$apidb" \
    --now 2025-07-01T08:00 >/dev/null

. tools/serve-lib.sh
serve_start "$tmp/serve.out" "$tmp/serve.err" "$bin" --tokens "$tmp/tokens" --db "$apidb" \
    --catalogue "$cat" --now 2025-07-14T09:00
pid=$serve_pid
port=$serve_port
if [ -z "$port" ]; then
    fail "the server starts and says where it listens" "$(cat "$tmp/serve.err")"
    echo "1..$n"
    exit 0
fi
ok "the server starts and says where it listens"
url="http://127.0.0.1:$port"

# call TOKEN METHOD PATH [BODY] : prints the status line "HTTP NNN" then the body, to $tmp/r
call() {
    local token=$1 method=$2 path=$3 body=${4:-}
    local auth=()
    [ -n "$token" ] && auth=(-H "Authorization: Bearer $token")
    if [ -n "$body" ]; then
        curl -s -o "$tmp/r" -w '%{http_code}' -X "$method" "${auth[@]}" "${extra[@]}" \
            -H 'Content-Type: application/json' --data-binary "$body" "$url$path"
    else
        curl -s -o "$tmp/r" -w '%{http_code}' -X "$method" "${auth[@]}" "${extra[@]}" "$url$path"
    fi
}
extra=()
# expect STATUS FIELD VALUE NAME TOKEN METHOD PATH [BODY]: the status and a JSON member
expect() {
    local want=$1 key=$2 value=$3 name=$4
    shift 4
    local got
    got=$(call "$@")
    local member
    member=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d.get(k)
print("null" if d is None else (str(d).lower() if isinstance(d, bool) else d))' "$tmp/r" "$key" 2>/dev/null)
    if [ "$got" = "$want" ] && [ "$member" = "$value" ]; then
        ok "$name"
    else
        fail "$name" "status $got (wanted $want), $key=$member (wanted $value)" "$(head -c 400 "$tmp/r")"
    fi
}

expect 200 status ok "health needs no token" "" GET /api/health
got=$(curl -s -D "$tmp/h" -o "$tmp/r" -w '%{http_code}' "$url/")
[ "$got" = 200 ] && grep -qi '^content-type: text/html' "$tmp/h" && grep -qi "^content-security-policy: default-src 'self'" "$tmp/h" &&
    grep -q '<script src="/console.js"' "$tmp/r" && ok "the console page is served with its policy" ||
    fail "the console page is served with its policy" "status $got" "$(cat "$tmp/h")"
got=$(curl -s -o "$tmp/r" -w '%{http_code}' "$url/console.js")
[ "$got" = 200 ] && grep -q "use strict" "$tmp/r" && ok "the console script is served" || fail "the console script is served" "status $got"
got=$(curl -s -o "$tmp/r" -w '%{http_code}' --path-as-is "$url/../../etc/passwd")
[ "$got" = 404 ] && ok "a path out of the console is not found: 404" || fail "a path out of the console is not found: 404" "status $got"
expect 200 actor lan "whoami tells the token's actor" clerk-secret GET /api/whoami
expect 401 error unauthorized "no token: 401" "" GET /api/dossiers
expect 401 error unauthorized "a forged token: 401" "forged" GET /api/dossiers
extra=(-H "Authorization: Basic Y2xlcms=")
expect 401 error unauthorized "basic authentication is not a token: 401" "" GET /api/dossiers
extra=()

birth='{"procedure":"birth-registration","fields":{"citizen-id":"079123456789","parents-married":true},"attach":["birth-notice"]}'
expect 201 state submitted "a clerk submits a dossier: 201" clerk-secret POST /api/dossiers "$birth"
expect 200 checklist.1.status fetched "the marriage certificate is fetched from the registry" \
    clerk-secret GET /api/dossiers/1
expect 200 history.0.body.user lan "the submission is attributed to the token's actor" \
    clerk-secret GET /api/dossiers/1
expect 403 error forbidden "another agency's clerk may not submit for this agency: 403" \
    other-secret POST /api/dossiers "$birth"
expect 201 channel online "the applicant files about itself, online: 201" citizen-secret \
    POST /api/dossiers "$birth"
expect 403 error forbidden "the applicant may not file about someone else: 403" citizen-secret \
    POST /api/dossiers '{"procedure":"birth-registration","fields":{"citizen-id":"079000000001"}}'
expect 422 error invalid-field "an invalid field value: 422 invalid-field" clerk-secret \
    POST /api/dossiers '{"procedure":"birth-registration","fields":{"citizen-id":"12"}}'
expect 400 error bad-request "malformed JSON: 400" clerk-secret POST /api/dossiers '{"procedure":'
# A NUL inside the body ends the text the JSON reader sees (the body ends in one): still malformed,
# not the object before it.
printf '{"procedure":"birth-registration","fields":{"citizen-id":"079000000002"}}\0x' >"$tmp/nul.json"
got=$(curl -s -o "$tmp/r" -w '%{http_code}' -X POST -H "Authorization: Bearer clerk-secret" \
    -H 'Content-Type: application/json' --data-binary @"$tmp/nul.json" "$url/api/dossiers")
[ "$got" = 400 ] && grep -q '"message": "malformed JSON at line 1, column [0-9]*: ' "$tmp/r" &&
    ok "a NUL inside the body: 400 malformed JSON, not the object before it" ||
    fail "a NUL inside the body: 400 malformed JSON, not the object before it" "status $got" "$(head -c 400 "$tmp/r")"
expect 400 error bad-request "a field of the wrong type: 400" clerk-secret POST /api/dossiers \
    '{"procedure":"birth-registration","fields":{"citizen-id":["079123456789"]}}'
expect 400 error bad-request "a body that is not an object: 400" clerk-secret POST /api/dossiers '[1]'
expect 404 error not-found "an unknown procedure: 404" clerk-secret POST /api/dossiers '{"procedure":"nope"}'
python3 -c 'print("{\"procedure\":\"" + "x" * 70000 + "\"}")' >"$tmp/big.json"
got=$(curl -s -o "$tmp/r" -w '%{http_code}' -X POST -H "Authorization: Bearer clerk-secret" \
    --data-binary @"$tmp/big.json" "$url/api/dossiers")
[ "$got" = 413 ] && grep -q '"too-large"' "$tmp/r" && ok "an oversized body: 413" ||
    fail "an oversized body: 413" "status $got" "$(head -c 300 "$tmp/r")"

expect 403 error forbidden "another agency may not read the dossier: 403" other-secret GET /api/dossiers/1
expect 200 id 2 "the applicant reads its own dossier" citizen-secret GET /api/dossiers/2
expect 404 error not-found "an applicant does not see another's dossier: 404" citizen-secret \
    GET /api/dossiers/99
expect 404 error not-found "an unknown dossier: 404" clerk-secret GET /api/dossiers/99
expect 404 error not-found "a path that is not a dossier: 404" clerk-secret GET /api/dossiers/abc
extra=(--path-as-is)
expect 404 error not-found "path traversal finds nothing: 404" clerk-secret GET '/api/../../etc/passwd'
extra=()
expect 404 error not-found "an unknown endpoint: 404" clerk-secret GET /api/nothing
expect 405 error method "a method the endpoint does not take: 405" clerk-secret DELETE /api/dossiers/1

expect 200 state processing "the clerk receives the dossier" clerk-secret POST /api/dossiers/1/events \
    '{"event":"receive"}'
expect 403 error role "a role the token does not have: 403 role" clerk-secret \
    POST /api/dossiers/1/events '{"event":"approve","as":"head"}'
expect 403 error role "a role the lifecycle does not allow: 403 role" head-secret \
    POST /api/dossiers/1/events '{"event":"approve","as":"clerk"}'
expect 409 error once-only "asking for a fetched document: 409 once-only" clerk-secret \
    POST /api/dossiers/1/events '{"event":"request-supplement","documents":["marriage-certificate"]}'
# code_args NAME WANT: the "code" and "args" of the last answer (the refusal's message code)
code_args() {
    local got
    got=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(d.get("code"), json.dumps(d.get("args"), ensure_ascii=False))' "$tmp/r" 2>/dev/null)
    [ "$got" = "$2" ] && ok "$1" || fail "$1" "got: $got" "want: $2"
}
code_args "the once-only refusal carries its message code and arguments" \
    'once-only.held ["marriage-certificate", "civil-status", "CS-1"]'
expect 200 state processing "the refusal changed nothing" clerk-secret GET /api/dossiers/1
expect 200 history.3.body.user lan "the once-only refusal is recorded, attributed to the token's actor" \
    clerk-secret GET /api/dossiers/1
expect 409 error state "an event that does not leave the state: 409 state" clerk-secret \
    POST /api/dossiers/1/events '{"event":"supplement"}'
code_args "a state refusal carries its message code and arguments" \
    'state.no-event-but ["supplement", "processing", "approve, request-supplement, refuse"]'
expect 400 error bad-request "a token of several roles must say which: 400" head-secret \
    POST /api/dossiers/1/events '{"event":"approve"}'
expect 409 error guard "a guard that does not hold: 409 guard" head-secret \
    POST /api/dossiers/1/events '{"event":"approve","as":"head"}'
expect 403 error forbidden "another agency may not act on the dossier: 403" other-secret \
    POST /api/dossiers/1/events '{"event":"approve","as":"head"}'

extra=(-H "Idempotency-Key: req-42")
expect 201 id 3 "a submission with an Idempotency-Key" clerk-secret POST /api/dossiers "$birth"
expect 200 replayed true "the same key again replays the first result" clerk-secret POST /api/dossiers "$birth"
expect 409 error conflict "the same key for another request: 409 conflict" clerk-secret \
    POST /api/dossiers/1/events '{"event":"request-supplement"}'
extra=()

expect 200 dossiers.0.id 1 "the clerk lists its agency's dossiers" clerk-secret GET /api/dossiers
check "another agency lists none of them" bash -c "curl -s -H 'Authorization: Bearer other-secret' $url/api/dossiers | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"dossiers\"]==[]'"
check "the applicant lists only its own" bash -c "curl -s -H 'Authorization: Bearer citizen-secret' $url/api/dossiers | python3 -c 'import json,sys; d=json.load(sys.stdin)[\"dossiers\"]; assert [x[\"id\"] for x in d]==[1,2,3], d'"
expect 200 dossiers.0.state processing "a list filtered by state" clerk-secret GET '/api/dossiers?state=processing'
check "a list filtered by another agency is empty" bash -c "curl -s -H 'Authorization: Bearer clerk-secret' '$url/api/dossiers?agency=other-agency' | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"dossiers\"]==[]'"

expect 200 documents.1.story "fetched from civil-status, record CS-1: never asked of the applicant" \
    "explain says why a document is fetched" clerk-secret GET /api/dossiers/1/explain
expect 200 documents.0.document citizen-identity "explain of one document" clerk-secret \
    GET '/api/dossiers/1/explain?document=citizen-identity'
expect 404 error not-found "explain of a document the procedure does not require: 404" clerk-secret \
    GET '/api/dossiers/1/explain?document=nope'
expect 403 error forbidden "explain of another agency's dossier: 403" other-secret GET /api/dossiers/1/explain

# The language of the answers (docs/api.md, "Errors"): Accept-Language picks vi or en; code and
# args stay, message is said in that language from the catalogue.
# message NAME WANT: the "message" of the last answer, byte for byte
message() {
    local got
    got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("message"))' "$tmp/r" 2>/dev/null)
    [ "$got" = "$2" ] && ok "$1" || fail "$1" "got:  $got" "want: $2"
}
extra=(-H "Accept-Language: vi")
expect 409 error state "a refusal asked in Vietnamese keeps its error word: 409 state" clerk-secret \
    POST /api/dossiers/1/events '{"event":"supplement"}'
message "the state refusal in Vietnamese, byte for byte" \
    "không thể thực hiện 'supplement' ở trạng thái 'processing' (có thể thực hiện: approve, request-supplement, refuse)"
code_args "the Vietnamese refusal keeps its code and arguments" \
    'state.no-event-but ["supplement", "processing", "approve, request-supplement, refuse"]'
expect 409 error once-only "the once-only refusal asked in Vietnamese: 409" clerk-secret \
    POST /api/dossiers/1/events '{"event":"request-supplement","documents":["marriage-certificate"]}'
message "the once-only refusal in Vietnamese" \
    "chỉ cung cấp một lần: marriage-certificate đã có trong civil-status (bản ghi CS-1); không được yêu cầu người nộp hồ sơ cung cấp"
expect 200 history.-1.body.message \
    "chỉ cung cấp một lần: marriage-certificate đã có trong civil-status (bản ghi CS-1); không được yêu cầu người nộp hồ sơ cung cấp" \
    "the refusal in the history, said in Vietnamese from its code" clerk-secret GET /api/dossiers/1
expect 200 history.-1.body.code once-only.held "the refusal in the history keeps its code" \
    clerk-secret GET /api/dossiers/1
extra=(-H "Accept-Language: en")
expect 200 history.-1.body.message \
    "once-only: marriage-certificate is held by civil-status (record CS-1); it may not be requested from the applicant" \
    "the refusal in the history, in English as recorded" clerk-secret GET /api/dossiers/1
extra=(-H "Accept-Language: vi")
expect 400 error bad-request "a bad request asked in Vietnamese: 400" clerk-secret POST /api/dossiers '[1]'
message "the bad request's message in Vietnamese" "nội dung yêu cầu phải là một đối tượng JSON"
code_args "the bad request carries its message code" 'api.body-not-object []'
expect 400 error bad-request "a member of the wrong type, in Vietnamese: 400" clerk-secret \
    POST /api/dossiers '{"procedure":5}'
message "the member's name is an argument of the Vietnamese sentence" '"procedure" phải là một chuỗi ký tự'
expect 404 error not-found "an unknown dossier in Vietnamese: 404" clerk-secret GET /api/dossiers/99
message "the unknown dossier's message in Vietnamese" "không có hồ sơ 99"
code_args "the unknown dossier carries its message code" 'api.dossier-unknown ["99"]'
expect 401 error unauthorized "no token, in Vietnamese: 401" "" GET /api/dossiers
message "the missing token's message in Vietnamese" "hãy gửi kèm tiêu đề 'Authorization: Bearer TOKEN' (mã truy cập)"
expect 200 checklist.2.reason "không tìm thấy trong population" \
    "a checklist's reason in Vietnamese" clerk-secret GET /api/dossiers/1
expect 200 documents.1.story \
    "đã có trong cơ sở dữ liệu civil-status (bản ghi CS-1): không yêu cầu người nộp hồ sơ cung cấp" \
    "explain's story in Vietnamese" clerk-secret GET /api/dossiers/1/explain
expect 200 fee.story "0 đ: mức thu cố định của thủ tục" "explain's fee in Vietnamese" \
    clerk-secret GET /api/dossiers/1/explain
got=$(curl -s -o "$tmp/r" -w '%{http_code}' -X POST -H "Authorization: Bearer clerk-secret" \
    -H "Accept-Language: vi" --data-binary @"$tmp/big.json" "$url/api/dossiers")
[ "$got" = 413 ] && ok "an oversized body asked in Vietnamese: 413" ||
    fail "an oversized body asked in Vietnamese: 413" "status $got"
message "the server's own 413 in Vietnamese" "nội dung yêu cầu lớn hơn 65536 byte"
# The errors whose words come from the engine or the store carry a code too (docs/api.md,
# "Errors"): a key used for another request.
extra=(-H "Idempotency-Key: req-42" -H "Accept-Language: vi")
expect 409 error conflict "a key used for another request, asked in Vietnamese: 409 conflict" \
    clerk-secret POST /api/dossiers/1/events '{"event":"request-supplement"}'
message "the reused key's conflict in Vietnamese, the key as the caller sent it" \
    "mã yêu cầu 'req-42' đã được dùng cho một yêu cầu khác (submit birth-registration)"
code_args "the reused key's conflict carries its code and arguments" \
    'request-id.used ["req-42", "submit birth-registration"]'
extra=(-H "Idempotency-Key: req-42")
expect 409 error conflict "the same in English: 409 conflict" \
    clerk-secret POST /api/dossiers/1/events '{"event":"request-supplement"}'
message "the reused key's conflict in English, as before" \
    "request id 'req-42' was already used for another request (submit birth-registration)"
extra=(-H "Accept-Language: vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7")
expect 404 error not-found "a browser's list preferring vi-VN: 404" clerk-secret GET /api/dossiers/99
message "a list preferring vi-VN answers in Vietnamese" "không có hồ sơ 99"
extra=(-H "Accept-Language: fr-FR, en;q=0.5, vi;q=0.8")
expect 404 error not-found "a list weighing vi above en: 404" clerk-secret GET /api/dossiers/99
message "the language of the greater weight is said" "không có hồ sơ 99"
extra=(-H "Accept-Language: en")
expect 409 error state "a refusal asked in English: 409" clerk-secret \
    POST /api/dossiers/1/events '{"event":"supplement"}'
message "English is said as before" \
    "'supplement' does not leave state 'processing' (it can: approve, request-supplement, refuse)"
extra=(-H "Accept-Language: vi;q=0, en;q=0.1")
expect 404 error not-found "vi refused with q=0: 404" clerk-secret GET /api/dossiers/99
message "q=0 refuses Vietnamese: English" "unknown dossier 99"
extra=(-H "Accept-Language: @@@;q=x, ;;,")
expect 404 error not-found "a garbage Accept-Language: 404" clerk-secret GET /api/dossiers/99
message "a garbage Accept-Language falls back to English" "unknown dossier 99"
extra=(-H "Accept-Language: fr")
expect 200 checklist.2.reason "not found in population" \
    "a language the catalogue lacks: the reason in English" clerk-secret GET /api/dossiers/1
extra=()
expect 400 error bad-request "no Accept-Language: 400" clerk-secret POST /api/dossiers '[1]'
message "no Accept-Language: the English bytes as before" "the body must be a JSON object"
expect 200 fee.story "0 VND: the procedure's fixed fee" "explain says why the dossier pays its fee" \
    clerk-secret GET /api/dossiers/1/explain

# The store busy past its timeout (SQLite: another process holds the write lock) is 409
# conflict, and the readiness probe 503 not-ready: both said in Vietnamese from their codes.
if [ -z "${MC_TEST_PG:-}" ]; then
    python3 - "$apidb" "$tmp/locked" <<'PY' &
import sqlite3, sys, time, os
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
while os.path.exists(sys.argv[2]):
    time.sleep(0.05)
c.execute("ROLLBACK")
PY
    locker=$!
    for _ in $(seq 100); do [ -e "$tmp/locked" ] && break; sleep 0.05; done
    extra=(-H "Accept-Language: vi")
    expect 503 error not-ready "the readiness probe while the store is locked, in Vietnamese: 503" \
        "" GET /api/health/ready
    message "the probe's reason in Vietnamese, its English detail kept" \
        "máy chủ chưa sẵn sàng tiếp nhận yêu cầu: the store stayed locked by another writer for 200 ms"
    code_args "the probe's failure carries its code" \
        'api.not-ready ["the store stayed locked by another writer for 200 ms"]'
    expect 409 error conflict "a submission while the store stays locked, in Vietnamese: 409" \
        clerk-secret POST /api/dossiers "$birth"
    message "the busy store in Vietnamese" \
        "cơ sở dữ liệu đang bận quá thời gian chờ, xin lỗi: hãy thử lại sau (store: starting a transaction: database is locked)"
    code_args "the busy store carries its code and arguments" \
        'store.busy ["starting a transaction", "database is locked"]'
    extra=()
    expect 409 error conflict "the same in English: 409" clerk-secret POST /api/dossiers "$birth"
    message "the busy store in English, as before" \
        "store: starting a transaction: database is locked"
    rm -f "$tmp/locked"
    wait "$locker"
fi

records=$'document,subject,reference,issued\nmarriage-certificate,079000000009,CS-9,2020-01-02\n'
expect 200 imported 1 "a registrar imports records (CSV body)" registrar-secret \
    POST /api/registries/civil-status/records "$records"
expect 403 error role "a clerk may not import records: 403 role" clerk-secret \
    POST /api/registries/civil-status/records "$records"
expect 422 problems.0.line 2 "a bad record: 422, each problem with its line" registrar-secret \
    POST /api/registries/civil-status/records $'document,subject,reference,issued\nbirth-notice,0791,CS-2,2019-02-30\n'
expect 404 error not-found "records of an unknown registry: 404" registrar-secret \
    POST /api/registries/nope/records "$records"
expect 200 records.0.reference CS-9 "the registrar looks up any subject's records" registrar-secret \
    GET '/api/registries/records?subject=079000000009'
expect 200 records.0.reference CS-1 "an officer looks up the records of a subject of its agency's dossiers" \
    clerk-secret GET '/api/registries/records?subject=079123456789'
expect 403 error forbidden "an officer may not look up a subject with no dossier at its agency: 403" \
    clerk-secret GET '/api/registries/records?subject=079000000009'
expect 403 error forbidden "another agency's officer may not look up the subject: 403" \
    other-secret GET '/api/registries/records?subject=079123456789'
expect 403 error forbidden "an applicant may not look up someone else's records: 403" citizen-secret \
    GET '/api/registries/records?subject=079000000009'
expect 200 records.0.reference CS-1 "an applicant looks up its own records" citizen-secret \
    GET '/api/registries/records?subject=079123456789'

# Reads of personal data are in the access log (issue 14, item 8), recorded before the answer;
# a refused read is not a read.
"$bin" audit --subject 079123456789 --db "$apidb" >"$tmp/audit" 2>&1
grep -q ' lan  *GET /api/registries/records *$' "$tmp/audit" &&
    grep -q ' an  *GET /api/registries/records *$' "$tmp/audit" &&
    grep -q ' lan  *GET /api/dossiers/{id}  *dossier 1$' "$tmp/audit" &&
    ! grep -q ' minh ' "$tmp/audit" &&
    ok "the access log names who read a subject's dossier and records, and no refused read" ||
    fail "the access log names who read a subject's dossier and records, and no refused read" "$(cat "$tmp/audit")"
"$bin" audit --subject 079000000009 --db "$apidb" >"$tmp/audit" 2>&1
[ "$(grep -c 'GET /api/registries/records' "$tmp/audit")" = 1 ] && grep -q ' civil-status-feed ' "$tmp/audit" &&
    ok "the registrar's read is logged once; the officer and applicant refused are not" ||
    fail "the registrar's read is logged once; the officer and applicant refused are not" "$(cat "$tmp/audit")"

expect 200 agencies.0.received 3 "indicators of the clerk's agency" clerk-secret \
    GET '/api/indicators?from=2025-07-01&to=2025-07-31'
check "another agency's indicators hold none of it" bash -c "curl -s -H 'Authorization: Bearer other-secret' '$url/api/indicators' | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"procedures\"]==[] and d[\"agencies\"]==[], d'"
expect 403 error forbidden "indicators are not for applicants: 403" citizen-secret GET /api/indicators
expect 400 error bad-request "indicators of a malformed period: 400" clerk-secret GET '/api/indicators?from=2025-13-01'

# An operation's access check runs inside the operation's transaction (mc_fire.may): what it
# refuses writes nothing (not even a refusal event) and is answered as a read would be.
events_of() {
    curl -s -H 'Authorization: Bearer clerk-secret' "$url/api/dossiers/$1" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])'
}
someone='{"procedure":"birth-registration","fields":{"citizen-id":"001099000111","parents-married":true},"attach":["birth-notice"]}'
call clerk-secret POST /api/dossiers "$someone" >/dev/null
theirs=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/r")
before=$(events_of "$theirs")
expect 404 error not-found "an applicant may not act on another person's dossier: 404" \
    citizen-secret POST "/api/dossiers/$theirs/events" '{"event":"receive"}'
expect 403 error forbidden "another agency may not apologize for the dossier: 403" other-secret \
    POST "/api/dossiers/$theirs/apology" '{"new_date":"2025-08-01","reason":"late","as":"head"}'
extra=(-H "Idempotency-Key: deny-1")
expect 403 error forbidden "nor act on it with an Idempotency-Key: 403" other-secret \
    POST "/api/dossiers/$theirs/events" '{"event":"receive","as":"clerk"}'
extra=()
after=$(events_of "$theirs")
[ -n "$before" ] && [ "$after" = "$before" ] && ok "an operation refused on access writes nothing" ||
    fail "an operation refused on access writes nothing" "events $before, then $after"

# Many connections at once: every one answered.
for i in $(seq 40); do
    curl -s -o /dev/null -w '%{http_code}\n' "$url/api/health" &
done >"$tmp/many" 2>&1
wait $(jobs -p | grep -v "^$pid$") 2>/dev/null
[ "$(grep -c '^200$' "$tmp/many")" = 40 ] && ok "40 connections at once are all answered" ||
    fail "40 connections at once are all answered" "$(sort "$tmp/many" | uniq -c)"

# A client that sends nothing is dropped after the timeout, and the server still answers.
( exec 3<>/dev/tcp/127.0.0.1/"$port"; sleep 12 ) &
slow=$!
expect 200 status ok "a silent client does not block the others" "" GET /api/health
kill "$slow" 2>/dev/null

# The routes are one table (issue 15): every endpoint docs/api.md lists answers its method, and
# another method of HTTP on its path is 405 (before, only a dossier's paths said 405).
grep -o '^### `[A-Z]* /api/[^`? ]*' docs/api.md | sed 's/^### `//' >"$tmp/endpoints"
[ "$(wc -l <"$tmp/endpoints")" -ge 9 ] && ok "docs/api.md lists the endpoints" ||
    fail "docs/api.md lists the endpoints" "$(cat "$tmp/endpoints")"
while read -r m path; do
    path=${path//ID/1}
    path=${path//NAME/civil-status}
    got=$(call registrar-secret "$m" "$path")
    routed=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print("no" if isinstance(d, dict) and (d.get("error") == "method" or str(d.get("message", "")).startswith("no such endpoint")) else "yes")' "$tmp/r" 2>/dev/null)
    [ "$routed" = yes ] && ok "$m $path is routed (status $got)" || fail "$m $path is routed" "status $got" "$(head -c 300 "$tmp/r")"
    for other in PUT DELETE; do
        expect 405 message "$other is not allowed on $path" "$other $path: 405" clerk-secret "$other" "$path"
    done
done <"$tmp/endpoints"
expect 405 error method "POST on /api/whoami: 405" clerk-secret POST /api/whoami
expect 404 message "no such endpoint: BREW /api/whoami" "a method HTTP does not define: 404" \
    clerk-secret BREW /api/whoami
expect 404 message "no such endpoint: GET /api/dossiers/1/" "a dossier path with a trailing slash: 404" \
    clerk-secret GET /api/dossiers/1/
expect 404 message "'/api/dossiers/1x/events' does not name a dossier" \
    "a bad dossier segment is 404 whatever the method" clerk-secret PUT /api/dossiers/1x/events
expect 404 message "no such endpoint: POST /api/registries//records" "a registry segment may not be empty: 404" \
    registrar-secret POST /api/registries//records '{}'
expect 401 error unauthorized "another method on the public /api/health still needs a token" \
    "" PUT /api/health

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=""
[ "$rc" = 0 ] && ok "SIGTERM stops the server, exit 0" || fail "SIGTERM stops the server, exit 0" "exit $rc"
"$bin" verify --db "$apidb" >/dev/null 2>&1 && ok "the store verifies after the session" ||
    fail "the store verifies after the session"

# Catalogue layers: every layer's rules/ load into the server's engines, so the province layer's
# replaced procedure charges its own fee rule (dongnai.copy_fee: 5,000 VND a copy), not the
# national one.
echo "$("$bin" hash-token dn-secret) binh applicant - 001200003333" >"$tmp/dn-tokens"
serve_start "$tmp/dn.out" "$tmp/dn.err" "$bin" --tokens "$tmp/dn-tokens" --db "$dndb" \
    --catalogue . --catalogue examples/province-dong-nai --now 2025-09-03T08:00
pid=$serve_pid
if [ -n "$serve_port" ]; then
    url="http://127.0.0.1:$serve_port"
    expect 201 fee 15000 "serve over layers runs the province layer's fee rule" dn-secret POST \
        /api/dossiers '{"procedure":"civil-status-extract-copy","channel":"online","fields":{"citizen-id":"001200003333","extract":"birth","copies":"3"},"attach":["copy-request"]}'
    kill -TERM "$pid"
    wait "$pid"
else
    fail "serve over layers runs the province layer's fee rule" "$(cat "$tmp/dn.err")"
fi
pid=""

# Parties of a dossier (docs/api.md): the dossier's json names each party's identifier and the
# party of a requirement; a read through the API is logged under the spouse too.
echo "$("$bin" hash-token ps-secret) thu clerk commune-committee" >"$tmp/ps-tokens"
printf 'document,subject,reference,issued\ndeath-certificate,001058002222,KT-2024-0317,2024-03-17\n' >"$tmp/ps.csv"
"$bin" registry import civil-status "$tmp/ps.csv" --db "$tmp/ps.db" --now 2025-07-01T08:00 >/dev/null
serve_start "$tmp/ps.out" "$tmp/ps.err" "$bin" --tokens "$tmp/ps-tokens" --db "$tmp/ps.db" \
    --catalogue . --now 2025-07-14T09:00
pid=$serve_pid
if [ -n "$serve_port" ]; then
    url="http://127.0.0.1:$serve_port"
    body='{"procedure":"marital-status-certification","channel":"counter","fields":{"citizen-id":"001060001111","status":"widowed","spouse-id":"001058002222"},"attach":["marital-status-declaration"]}'
    expect 201 parties.spouse 001058002222 "a dossier's json names the spouse's identifier" ps-secret POST /api/dossiers "$body"
    expect 200 checklist.2.party spouse "the checklist names the party whose record was fetched" ps-secret GET /api/dossiers/1
    expect 200 checklist.2.status fetched "the spouse's death certificate is fetched under the spouse" ps-secret GET /api/dossiers/1
    kill -TERM "$pid"
    wait "$pid"
    "$bin" audit --subject 001058002222 --db "$tmp/ps.db" >"$tmp/ps-audit" 2>&1
    [ "$(grep -c ' thu  *GET /api/dossiers/{id}  *dossier 1  party: spouse$' "$tmp/ps-audit")" = 2 ] &&
        ok "the access log finds the API's reads of the spouse's data" ||
        fail "the access log finds the API's reads of the spouse's data" "$(cat "$tmp/ps-audit")"
    grep -q ' thu  *once-only  *dossier 1  registry civil-status  party: spouse$' "$tmp/ps-audit" &&
        ok "the once-only look-up of the spouse's record is logged as the token's user's" ||
        fail "the once-only look-up of the spouse's record is logged as the token's user's" "$(cat "$tmp/ps-audit")"
else
    fail "a dossier's json names the spouse's identifier" "$(cat "$tmp/ps.err")"
fi
pid=""

# Group commit (docs/decisions.md, issue 18): 4 clients submit and receive dossiers at once;
# on SQLite their writes share COMMITs, counted in /api/health. The server is killed with SIGKILL
# mid-stream; started again, it has every write a client saw acknowledged, and verifies.
gcdb=$(store gc)
mkdir -p "$tmp/gc/procedures"
cat >"$tmp/gc/procedures/p.proc" <<'PROC'
role clerk
lifecycle l {
    state submitted { initial; on receive -> processing by clerk }
    state processing { final; outcome granted }
}
procedure p { time-limit 7wd; lifecycle l; agency gc; subject id
    field id { type text; required } }
PROC
echo "$("$bin" hash-token gc-secret) gc clerk gc" >"$tmp/gc-tokens"
cat >"$tmp/gc-load.py" <<'PY'
# gc-load.py PORT OUT: 4 threads submit then receive dossiers until killed; each acknowledged
# write is one line of OUT ("submit ID SUBJECT" or "receive ID"), written as soon as it is.
import http.client, json, sys, threading
port, out = int(sys.argv[1]), open(sys.argv[2], "a", buffering=1)
lock = threading.Lock()
def client(c):
    h = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    auth = {"Authorization": "Bearer gc-secret", "Content-Type": "application/json"}
    for k in range(100000):
        subject = "S%d-%d" % (c, k)
        try:
            h.request("POST", "/api/dossiers", json.dumps({"procedure": "p", "fields": {"id": subject}}), auth)
            r = h.getresponse(); body = json.loads(r.read())
            if r.status != 201: return
            with lock: out.write("submit %d %s\n" % (body["id"], subject))
            h.request("POST", "/api/dossiers/%d/events" % body["id"], '{"event":"receive"}', auth)
            r = h.getresponse(); r.read()
            if r.status != 200: return
            with lock: out.write("receive %d\n" % body["id"])
        except Exception:
            return
ts = [threading.Thread(target=client, args=(c,)) for c in range(4)]
for t in ts: t.start()
for t in ts: t.join()
PY
serve_start "$tmp/gc.out" "$tmp/gc.err" "$bin" --tokens "$tmp/gc-tokens" --db "$gcdb" \
    --catalogue "$tmp/gc"
pid=$serve_pid
if [ -n "$serve_port" ]; then
    url="http://127.0.0.1:$serve_port"
    : >"$tmp/gc-acks"
    timeout 60 /usr/bin/python3 "$tmp/gc-load.py" "$serve_port" "$tmp/gc-acks" &
    load=$!
    for _ in $(seq 300); do
        [ "$(wc -l <"$tmp/gc-acks")" -ge 400 ] && break
        sleep 0.1
    done
    acked=$(wc -l <"$tmp/gc-acks")
    curl -s "$url/api/health" >"$tmp/gc-health"
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    wait "$load" 2>/dev/null
    pid=""
    if [ -z "${MC_TEST_PG:-}" ]; then
        # Every write acknowledged before the health request was counted in a COMMIT before.
        if /usr/bin/python3 -c 'import json,sys
g = json.load(open(sys.argv[1]))["group_commit"]
acked = int(sys.argv[2])
assert g["operations"] >= acked and 1 <= g["commits"] <= g["operations"] and g["failed"] == 0, (g, acked)
print("# group commit: %d operations in %d COMMITs (%.2f a COMMIT)" % (g["operations"], g["commits"], g["operations"] / g["commits"]))' \
            "$tmp/gc-health" "$acked" >"$tmp/gc-stats" 2>&1; then
            ok "group commit: every acknowledged write was in a COMMIT, and the counts add up"
            cat "$tmp/gc-stats"
        else
            fail "group commit: every acknowledged write was in a COMMIT, and the counts add up" "$(cat "$tmp/gc-stats")"
        fi
    else
        /usr/bin/python3 -c 'import json,sys; assert "group_commit" not in json.load(open(sys.argv[1]))' "$tmp/gc-health" &&
            ok "no group commit of the server's own on PostgreSQL" ||
            fail "no group commit of the server's own on PostgreSQL" "$(cat "$tmp/gc-health")"
    fi
    all=$(wc -l <"$tmp/gc-acks")
    serve_start "$tmp/gc2.out" "$tmp/gc2.err" "$bin" --tokens "$tmp/gc-tokens" --db "$gcdb" \
        --catalogue "$tmp/gc"
    pid=$serve_pid
    url="http://127.0.0.1:$serve_port"
    lost=0
    while read -r what id subject; do
        curl -s -o "$tmp/r" -H "Authorization: Bearer gc-secret" "$url/api/dossiers/$id"
        /usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
assert d.get("id") == int(sys.argv[3]), d
assert sys.argv[2] != "submit" or d["subject"] == sys.argv[4], d
assert sys.argv[2] != "receive" or d["state"] == "processing", d' "$tmp/r" "$what" "$id" "$subject" 2>/dev/null ||
            lost=$((lost + 1))
    done <"$tmp/gc-acks"
    kill -TERM "$pid"
    wait "$pid"
    pid=""
    [ "$acked" -ge 400 ] && [ "$lost" = 0 ] &&
        ok "SIGKILL under 4 writers loses no acknowledged write ($all acknowledged, $lost lost)" ||
        fail "SIGKILL under 4 writers loses no acknowledged write" "$all acknowledged ($acked before the kill was asked), $lost lost"
    "$bin" verify --db "$gcdb" >"$tmp/gc-verify" 2>&1 && ok "the store verifies after SIGKILL" ||
        fail "the store verifies after SIGKILL" "$(cat "$tmp/gc-verify")"
else
    fail "group commit: the server starts" "$(cat "$tmp/gc.err")"
fi
pid=""

# The catalogue as the console needs it (GET /api/procedures, issue 21): the token's agencies'
# procedures in force, every name with its titles in English and Vietnamese, a missing title
# being the name in both.
mkdir -p "$tmp/pc/procedures"
cat >"$tmp/pc/procedures/p.proc" <<'EOF'
calendar vn { default; covers 2025-2027; hours 07:30-11:30 13:30-17:00 }
role clerk { title "One-stop officer"; title vi "Cán bộ một cửa" }
role head
agency commune-committee { title "People's Committee of Tân Phú commune"; title vi "Ủy ban nhân dân xã Tân Phú" }
document birth-notice { title "Birth notice"; title vi "Giấy chứng sinh" }
document marriage-certificate { title "Marriage certificate"; title vi "Giấy chứng nhận kết hôn" }
registry civil-status { title "Civil-status database"; title vi "Cơ sở dữ liệu hộ tịch"; holds marriage-certificate }
lifecycle desk {
    event receive { title "Receive the dossier"; title vi "Tiếp nhận hồ sơ" }
    state submitted {
        initial
        title "Newly registered"
        title vi "Mới đăng ký"
        on receive -> done by clerk
        on refuse -> done by head
    }
    state done { final; outcome granted }
}
procedure birth {
    code "1.001193"
    title "Birth registration"
    title vi "Đăng ký khai sinh"
    agency commune-committee
    time-limit 3wd
    subject citizen-id
    lifecycle desk
    field citizen-id { type text; required; pattern "[0-9]{12}"; title "Citizen ID"; title vi "Số định danh cá nhân" }
    field married { type bool; title "The parents are married"; title vi "Cha, mẹ đã đăng ký kết hôn" }
    field kind { type choice; options home hospital; option home { title "At home"; title vi "Tại nhà" } }
    field copies { type integer }
    requires birth-notice
    requires marriage-certificate when married
}
procedure land {
    agency other-agency
    fee 50000 VND
    time-limit 5wd
    subject owner
    field owner { type text; required }
    lifecycle desk
}
procedure land {
    effective 2099-01-01
    agency other-agency
    fee 90000 VND
    subject owner
    field owner { type text; required }
    lifecycle desk
}
EOF
{
    echo "$("$bin" hash-token pc-clerk) lan clerk commune-committee"
    echo "$("$bin" hash-token pc-other) minh clerk other-agency"
    echo "$("$bin" hash-token pc-all) hoa head *"
    echo "$("$bin" hash-token pc-citizen) an applicant - 079123456789"
} >"$tmp/pc-tokens"
serve_start "$tmp/pc.out" "$tmp/pc.err" "$bin" --tokens "$tmp/pc-tokens" --db "$(store pc)" \
    --catalogue "$tmp/pc" --now 2025-07-14T09:00
pid=$serve_pid
if [ -n "$serve_port" ]; then
    url="http://127.0.0.1:$serve_port"
    names() { # names TOKEN: the names of the procedures the token gets, comma-separated
        call "$1" GET /api/procedures >/dev/null
        python3 -c 'import json,sys; print(",".join(p["name"] for p in json.load(open(sys.argv[1]))["procedures"]))' "$tmp/r"
    }
    [ "$(names pc-clerk)" = birth ] && ok "procedures: a clerk gets its agency's procedures only" ||
        fail "procedures: a clerk gets its agency's procedures only" "$(head -c 300 "$tmp/r")"
    [ "$(names pc-other)" = land ] && ok "procedures: another agency's clerk gets its own" ||
        fail "procedures: another agency's clerk gets its own" "$(head -c 300 "$tmp/r")"
    [ "$(names pc-all)" = birth,land ] && ok "procedures: a token of every agency gets them all" ||
        fail "procedures: a token of every agency gets them all" "$(head -c 300 "$tmp/r")"
    [ "$(names pc-citizen)" = birth,land ] && ok "procedures: an applicant's token gets them all (it files any online)" ||
        fail "procedures: an applicant's token gets them all (it files any online)" "$(head -c 300 "$tmp/r")"
    expect 401 error unauthorized "procedures: no token: 401" "" GET /api/procedures
    expect 200 procedures.0.agency_title.vi "Ủy ban nhân dân xã Tân Phú" "procedures: the agency's declared title" pc-clerk GET /api/procedures
    expect 200 procedures.1.agency_title.vi other-agency "procedures: an undeclared agency's title is its name" pc-all GET /api/procedures
    expect 200 procedures.0.states.1.title.en done "procedures: a state without titles is its name in English" pc-clerk GET /api/procedures
    expect 200 procedures.0.states.1.title.vi done "procedures: a state without titles is its name in Vietnamese" pc-clerk GET /api/procedures
    expect 200 procedures.0.events.1.title.vi refuse "procedures: an undeclared event's title is its name" pc-clerk GET /api/procedures
    expect 200 procedures.0.fee 50000 "procedures: the version in force now, not the later one" pc-other GET /api/procedures
    call pc-all GET /api/procedures >/dev/null
    python3 - "$tmp/r" >"$tmp/pc-check" 2>&1 <<'PY' && ok "procedures: the contract's members, titles in both languages" || fail "procedures: the contract's members, titles in both languages" "$(cat "$tmp/pc-check")"
import json, sys
d = json.load(open(sys.argv[1]))
assert sorted(d) == ["agencies", "procedures", "registries", "roles"], sorted(d)
b, l = d["procedures"]
assert sorted(b) == sorted(["name", "code", "title", "agency", "agency_title", "subject", "fee",
                            "time_limit", "fields", "documents", "states", "events"]), sorted(b)
assert b["code"] == "1.001193" and l["code"] is None
assert b["title"] == {"en": "Birth registration", "vi": "Đăng ký khai sinh"}, b["title"]
assert l["title"] == {"en": "land", "vi": "land"}, l["title"]
assert b["agency"] == "commune-committee" and b["subject"] == "citizen-id"
assert b["fee"] == 0 and b["time_limit"] == "3wd" and l["time_limit"] == "5wd"
assert b["fields"] == [
    {"name": "citizen-id", "type": "text", "required": True, "pattern": "[0-9]{12}", "options": None,
     "option_titles": None, "title": {"en": "Citizen ID", "vi": "Số định danh cá nhân"}},
    {"name": "married", "type": "bool", "required": False, "pattern": None, "options": None,
     "option_titles": None, "title": {"en": "The parents are married", "vi": "Cha, mẹ đã đăng ký kết hôn"}},
    {"name": "kind", "type": "choice", "required": False, "pattern": None,
     "options": ["home", "hospital"],
     "option_titles": {"home": {"en": "At home", "vi": "Tại nhà"},
                       "hospital": {"en": "hospital", "vi": "hospital"}},
     "title": {"en": "kind", "vi": "kind"}},
    {"name": "copies", "type": "int", "required": False, "pattern": None, "options": None,
     "option_titles": None, "title": {"en": "copies", "vi": "copies"}}], b["fields"]
assert b["documents"] == [
    {"name": "birth-notice", "title": {"en": "Birth notice", "vi": "Giấy chứng sinh"},
     "when": None, "registries": []},
    {"name": "marriage-certificate",
     "title": {"en": "Marriage certificate", "vi": "Giấy chứng nhận kết hôn"},
     "when": "married", "registries": ["civil-status"]}], b["documents"]
assert b["states"] == [
    {"name": "submitted", "title": {"en": "Newly registered", "vi": "Mới đăng ký"}, "final": False},
    {"name": "done", "title": {"en": "done", "vi": "done"}, "final": True}], b["states"]
assert b["events"] == [
    {"name": "receive", "title": {"en": "Receive the dossier", "vi": "Tiếp nhận hồ sơ"}},
    {"name": "refuse", "title": {"en": "refuse", "vi": "refuse"}}], b["events"]
roles = {r["name"]: r["title"] for r in d["roles"]}
assert roles["clerk"] == {"en": "One-stop officer", "vi": "Cán bộ một cửa"}, roles
assert roles["head"] == {"en": "head", "vi": "head"}, roles
assert roles["applicant"] == {"en": "Applicant", "vi": "Người nộp hồ sơ"}, roles
assert d["registries"] == [{"name": "civil-status", "title": {"en": "Civil-status database",
                                                             "vi": "Cơ sở dữ liệu hộ tịch"}}], d
PY
    kill -TERM "$pid"
    wait "$pid"
else
    fail "procedures: the server starts" "$(cat "$tmp/pc.err")"
fi
pid=""

# Starting up: bad input is a clear error.
printf 'blake2b:00 lan clerk x\n' >"$tmp/bad-tokens"
"$bin" serve --tokens "$tmp/bad-tokens" --catalogue "$cat" --db "$tmp/x.db" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] && grep -q "bad-tokens:1:1: the hash must be 'blake2b:' and 64 hex digits" "$tmp/err" &&
    ok "a malformed tokens file: exit 1, file:line:col" || fail "a malformed tokens file: exit 1, file:line:col" "exit $rc" "$(cat "$tmp/err")"
"$bin" serve --catalogue "$cat" >/dev/null 2>&1
[ $? = 2 ] && ok "serve without --tokens: exit 2" || fail "serve without --tokens: exit 2"
"$bin" serve --tokens "$tmp/tokens" --listen nowhere --catalogue "$cat" >/dev/null 2>&1
[ $? = 2 ] && ok "a malformed --listen: exit 2" || fail "a malformed --listen: exit 2"
echo "1..$n"
