#!/usr/bin/env bash
# Interconnected dossiers through the API (issue 25, docs/api.md): the bundled birth + residence +
# health insurance group of Decree 63/2024 filed once; each agency's token reads and fires its
# own part and not the others'; the whole dossier lists its parts; the engine's events refused to
# people; the citizen sees the whole and its parts. Against a real server on loopback with curl.
# Prints TAP lines; run by tools/run-tests.sh as  bash tests/parts.sh BUILD/motcua, and again with
# MC_TEST_PG set, on PostgreSQL.
set -u
bin=${1:?usage: parts.sh MOTCUA}
cat=.
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"
. tools/serve-lib.sh

if ! command -v curl >/dev/null 2>&1; then
    echo "not ok 1 - parts # curl is not installed"
    echo "1..1"
    exit 1
fi
if [ -n "${MC_TEST_PG:-}" ]; then
    psql -X -q -d "$MC_TEST_PG" -c "CREATE SCHEMA parts_$$" >/dev/null || exit 1
    db="$MC_TEST_PG options='-csearch_path=parts_$$'"
else
    db=$tmp/parts.db
fi
{
    echo "$("$bin" hash-token commune-secret) lan clerk,head commune-committee"
    echo "$("$bin" hash-token police-secret) tuan specialist,head commune-police"
    echo "$("$bin" hash-token insurance-secret) mai specialist,head social-insurance-office"
    echo "$("$bin" hash-token citizen-secret) an applicant - 001092013131"
} >"$tmp/tokens"
chmod 600 "$tmp/tokens"
printf 'document,subject,reference,issued\nelectronic-birth-notice,001092013131,CS-BV-1,2026-03-01\n' >"$tmp/eh.csv"
printf 'document,subject,reference,issued\ncitizen-identity,001092013131,CCCD-1,2021-06-01\nresidence-information,001092013131,CT-1,2021-06-01\n' >"$tmp/pop.csv"
"$bin" registry import e-health "$tmp/eh.csv" --catalogue "$cat" --db "$db" --now 2026-03-02T08:00 >/dev/null
"$bin" registry import population "$tmp/pop.csv" --catalogue "$cat" --db "$db" --now 2026-03-02T08:00 >/dev/null

serve_start "$tmp/serve.out" "$tmp/serve.err" "$bin" --tokens "$tmp/tokens" --db "$db" \
    --catalogue "$cat" --now 2026-03-02T09:10
pid=$serve_pid
url="http://127.0.0.1:$serve_port"
if [ -z "$serve_port" ]; then
    fail "the server starts" "$(cat "$tmp/serve.err")"
    echo "1..$n"
    exit 1
fi
call() {
    local token=$1 method=$2 path=$3 body=${4:-}
    local args=(-s -o "$tmp/r" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $token")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    curl "${args[@]}" "$url$path"
}
member() {
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d.get(k)
print("null" if d is None else (str(d).lower() if isinstance(d, bool) else (json.dumps(d, ensure_ascii=False) if isinstance(d, (list, dict)) else d)))' "$tmp/r" "$1" 2>/dev/null
}
expect() {
    local want=$1 key=$2 value=$3 name=$4
    shift 4
    local got m
    got=$(call "$@")
    m=$(member "$key")
    if [ "$got" = "$want" ] && [ "$m" = "$value" ]; then
        ok "$name"
    else
        fail "$name" "status $got (wanted $want), $key=$m (wanted $value)" "$(head -c 600 "$tmp/r")"
    fi
}

body='{"procedure":"birth-residence-insurance","fields":{"citizen-id":"001092013131","birth-date":"2026-03-01"},"attach":["interconnected-declaration"],"channel":"online"}'
expect 201 state in-parts "filed once at the commune: the whole dossier waits while its parts run" \
    commune-secret POST /api/dossiers "$body"
[ "$(member parts.0.part)/$(member parts.0.status)/$(member parts.0.dossier)/$(member parts.0.agency)" = "birth/running/2/commune-committee" ] &&
    [ "$(member parts.1.status)/$(member parts.1.dossier)" = "waiting/null" ] &&
    ok "its answer lists the parts: the birth running as dossier 2, the others waiting" ||
    fail "its answer lists the parts: the birth running as dossier 2, the others waiting" "$(cat "$tmp/r")"
expect 200 part birth "dossier 2 says whose part it is" commune-secret GET /api/dossiers/2
[ "$(member parent)" = 1 ] && [ "$(member part_title.vi)" = "Đăng ký khai sinh" ] &&
    ok "a part names its interconnected dossier and its part's title" ||
    fail "a part names its interconnected dossier and its part's title" "$(cat "$tmp/r")"
expect 409 code parts.engine-event "nobody fires parts-done: it is the engine's" \
    commune-secret POST /api/dossiers/1/events '{"event":"parts-done","as":"head"}'
expect 200 state done "the commune registers the birth" commune-secret POST /api/dossiers/2/events '{"event":"approve","as":"head"}'
expect 200 parts.1.status running "the police's and the insurance's parts start with the birth" \
    commune-secret GET /api/dossiers/1
[ "$(member parts.1.dossier)/$(member parts.2.dossier)" = "3/4" ] &&
    ok "as dossiers 3 and 4" || fail "as dossiers 3 and 4" "$(cat "$tmp/r")"
expect 200 checklist.1.status fetched "the police's part fetches the birth certificate the first part issued" \
    police-secret GET /api/dossiers/3
st=$(call police-secret GET /api/dossiers/1)
[ "$st" = 403 ] || [ "$st" = 404 ] && ok "the police cannot read the whole dossier (another agency's)" ||
    fail "the police cannot read the whole dossier (another agency's)" "status $st"
st=$(call police-secret GET /api/dossiers/4)
[ "$st" = 403 ] || [ "$st" = 404 ] && ok "nor the insurance office's part" || fail "nor the insurance office's part" "status $st"
st=$(call police-secret POST /api/dossiers/4/events '{"event":"approve","as":"head"}')
[ "$st" = 403 ] || [ "$st" = 404 ] && ok "nor fire it" || fail "nor fire it" "status $st"
expect 200 dossiers.0.id 3 "the police's queue holds their part" police-secret GET /api/dossiers
[ "$(member counts.total)" = 1 ] && ok "and only it" || fail "and only it" "$(cat "$tmp/r")"
expect 200 state done "the police register the residence" police-secret POST /api/dossiers/3/events '{"event":"approve","as":"head"}'
expect 200 state in-parts "the whole waits for the card" commune-secret GET /api/dossiers/1
expect 200 state done "the insurance office issues the card" insurance-secret POST /api/dossiers/4/events '{"event":"approve","as":"head"}'
expect 200 state result-ready "every part done: the whole's results await return" commune-secret GET /api/dossiers/1
expect 200 parts.2.outcome granted "the citizen reads the whole and its parts" citizen-secret GET /api/dossiers/1
expect 200 parts.0.status ended "the citizen's tracking lists the parts" "" GET "/api/track?code=1&subject=001092013131"
[ "$(member parts.1.agency_title.vi)" = "Công an cấp xã" ] && ok "with each agency's title" ||
    fail "with each agency's title" "$(cat "$tmp/r")"
expect 200 state returned "the commune returns the results" commune-secret POST /api/dossiers/1/events '{"event":"return-result","as":"clerk"}'
echo "1..$n"
