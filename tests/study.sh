#!/usr/bin/env bash
# The cost study of `motcua cost` (issue 22) on a catalogue whose figures are worked out by hand
# in its comments (tests/fixtures/study): split totals, the state's fee revenue, stacked reforms
# and what each change is worth, conflicts, filters, subtotals, sensitivity options, --compare,
# and every usage error. TAP output.
#   bash tests/study.sh MOTCUA
set -u
bin=${1:?usage: study.sh MOTCUA}
cat=tests/fixtures/study
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
check() { # check NAME COMMAND… : the command must succeed
    n=$((n + 1))
    local name=$1
    shift
    if "$@" >"$tmp/out" 2>"$tmp/err"; then
        echo "ok $n - $name"
    else
        echo "not ok $n - $name"
        sed 's/^/# /' "$tmp/out" "$tmp/err" | head -20
    fi
}
status() { # status WANT COMMAND… : the command exits WANT
    local want=$1 rc
    shift
    "$@" >"$tmp/s.out" 2>"$tmp/s.err"
    rc=$?
    [ "$rc" = "$want" ] || { echo "exit $rc, not $want" >&2; return 1; }
}
cost() { "$bin" cost --date 2026-01-15 --catalogue "$cat" "$@"; }
has() { # has TEXT COMMAND… : the command's output has the line TEXT (fixed string, whole line)
    local text=$1
    shift
    "$@" 2>&1 | grep -qxF -- "$text" || { echo "no line: $text" >&2; "$@" 2>&1 | head -40 >&2; return 1; }
}

# Split totals: gamma is the one procedure with assumed figures.
check "the total is split into statistics and assumptions" \
    has "  from assumptions (1)                                               9,000,000 |                                   9,000,000                  0    0.00%" cost --reform quick
check "statistics: alpha and beta" \
    has "  from statistics (2)                                              510,000,000 |                                 310,000,000        200,000,000   39.22%" cost --reform quick
check "an assumed procedure is marked in its row" \
    bash -c "'$bin' cost --reform quick --date 2026-01-15 --catalogue '$cat' | grep -q '^gamma .*(assumed)\$'"
check "the state's fee revenue, before and after" \
    has "the state's fee revenue a year: 20,000,000 today, 50,000,000 under the reforms (30,000,000)" cost --reform later
check "a reform that costs more says how many procedures" \
    has "procedures that cost their applicants more under the reforms: 2" cost --reform later

# CSV and JSON carry code, agency, sector and basis.
check "csv: code, agency, basis and the fee of each procedure" \
    bash -c "'$bin' cost --reform quick --date 2026-01-15 --catalogue '$cat' --format csv | grep -qx 'gamma,1.000003,district,\"\",assumed,9.00,90000,100,9000000,0,0,9.00,90000,9000000,0,0,0,0.00,\"assumed figures (not statistics): volume, time-limit\"'"
check "json: the split totals add up" \
    bash -c "'$bin' cost --reform quick --date 2026-01-15 --catalogue '$cat' --format json | python3 -c '
import json, sys
t = json.load(sys.stdin)[\"total\"]
assert t[\"statistics\"][\"baseline\"] + t[\"assumed\"][\"baseline\"] == t[\"baseline\"] == 519000000, t
assert t[\"statistics\"][\"saving\"] + t[\"assumed\"][\"saving\"] == t[\"saving\"] == 200000000, t
assert (t[\"revenue\"], t[\"reform_revenue\"]) == (20000000, 20000000), t'"

# Filters and subtotals.
check "--agency keeps one agency's procedures" \
    bash -c "'$bin' cost --agency police --date 2026-01-15 --catalogue '$cat' --format csv | cut -d, -f1 | tr '\n' ' ' | grep -qx 'procedure beta '"
check "--procedure takes globs, --code a list" \
    bash -c "'$bin' cost --procedure 'al*' --code 1.000001,1.000003 --date 2026-01-15 --catalogue '$cat' --format csv | cut -d, -f1 | tr '\n' ' ' | grep -qx 'procedure alpha '"
check "a filter nothing passes: exit 1, said" status 1 cost --agency nobody
check "a filter nothing passes names the filters" grep -qx "motcua: no procedure is in force on 2026-01-15 and passes the filters" "$tmp/s.err"
check "--by agency gives a subtotal per agency, with its assumed part" \
    has "district                          2        149,000,000        119,000,000         30,000,000   20.13%          9,000,000" cost --reform quick --by agency

# Sensitivity: one assumption changed for one run, and said.
check "--income changes the hourly income, and says so" \
    has "  hourly income 20,000 VND (the cost model m says 10,000)" cost --income 20000
check "--income doubles the time part of alpha: 11 h × 20,000 + 30,000" \
    bash -c "'$bin' cost --income 20000 --date 2026-01-15 --catalogue '$cat' --format csv | grep -q '^alpha,.*,11.00,250000,'"
check "--count-waiting no drops the waiting time" \
    bash -c "'$bin' cost --count-waiting no --date 2026-01-15 --catalogue '$cat' --format csv | grep -q '^beta,.*,2.50,25000,'"
check "--coverage sets a registry's coverage for the run" \
    bash -c "'$bin' cost --coverage people=0% --date 2026-01-15 --catalogue '$cat' --format csv | grep -q '^beta,.*,19.00,190000,'"
check "--coverage is said" has "  coverage of registry people 0% (the catalogue says 50%)" cost --coverage people=0%

# --compare: reforms side by side, each on today's catalogue.
check "--compare: one row per procedure, a column per reform" \
    has "beta                                      370,000,000 |        200,000,000   45.95% |        530,000,000  -43.24%" cost --compare quick,later
check "--compare: the split totals of each" \
    has "  from assumptions                          9,000,000 |          9,000,000    0.00% |          9,000,000    0.00%" cost --compare quick,later

# Usage errors: exit 2, one line each; unknown names: exit 1.
check "an option given twice: exit 2" status 2 cost --date 2026-01-01
check "an option given twice is said" grep -qx "motcua: option '--date' is given twice (see 'motcua help')" "$tmp/s.err"
check "--by of another word: exit 2" status 2 cost --by officer
check "--income 0: exit 2" status 2 cost --income 0
check "--income of words: exit 2" status 2 cost --income lots
check "--count-waiting maybe: exit 2" status 2 cost --count-waiting maybe
check "--coverage without a percent: exit 2" status 2 cost --coverage people
check "--coverage above 100%: exit 2" status 2 cost --coverage people=150%
check "an empty filter item: exit 2" status 2 cost --agency district,
check "--compare with --reform: exit 2" status 2 cost --compare quick --reform later
check "--compare with an empty name: exit 2" status 2 cost --compare quick,,later
check "--coverage of an unknown registry: exit 1" status 1 cost --coverage nobody=10%
check "an unknown reform in --compare: exit 1" status 1 cost --compare quick,nope
check "a reform given twice: exit 2" status 2 cost --reform quick --reform quick
check "a reform given twice is said" grep -qx "motcua: reform 'quick' is given twice" "$tmp/s.err"

# POST /api/cost: the same study over HTTP, with a reform sent in the body.
source tools/serve-lib.sh
{
    echo "$("$bin" hash-token clerk-secret) lan clerk district"
    echo "$("$bin" hash-token citizen-secret) an applicant - 079123456789"
} >"$tmp/tokens"
serve_start "$tmp/serve.out" "$tmp/serve.err" "$bin" --tokens "$tmp/tokens" --db "$tmp/api.db" \
    --catalogue "$cat" || echo "not ok - the server did not start: $(cat "$tmp/serve.err")"
trap 'kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
post() { # post BODY [TOKEN]: the answer's status on the first line, then its body
    curl -s -o "$tmp/body" -w '%{http_code}\n' -H "Authorization: Bearer ${2:-clerk-secret}" \
        -H 'Content-Type: application/json' -H 'Accept-Language: en' \
        --data-binary "$1" "http://127.0.0.1:$serve_port/api/cost"
    cat "$tmp/body"
}
answer() { # answer STATUS BODY PYTHON: the status, and PYTHON's assertion on the JSON d
    local want=$1 body=$2 test=$3 got
    got=$(post "$body" | head -1)
    [ "$got" = "$want" ] || { echo "status $got, not $want: $(cat "$tmp/body")" >&2; return 1; }
    python3 -c "import json,sys; d=json.load(open('$tmp/body')); assert $test, d" || {
        cat "$tmp/body" >&2
        return 1
    }
}
check "api: a named reform gives the command's totals" \
    answer 200 '{"date": "2026-01-15", "reforms": ["quick"]}' \
    'd["total"]["saving"] == 200000000 and d["total"]["assumed"]["baseline"] == 9000000'
check "api: the same JSON as the command" bash -c "
    '$bin' cost --reform quick --date 2026-01-15 --catalogue '$cat' --format json > '$tmp/cli.json'
    curl -s -H 'Authorization: Bearer clerk-secret' --data-binary '{\"date\": \"2026-01-15\", \"reforms\": [\"quick\"]}' \
        http://127.0.0.1:$serve_port/api/cost > '$tmp/api.json'
    python3 -c 'import json; assert json.load(open(\"$tmp/cli.json\")) == json.load(open(\"$tmp/api.json\"))'"
check "api: a reform sent in the body, after the named ones" \
    answer 200 '{"date": "2026-01-15", "reforms": ["quick"], "reform": "reform mine { procedure gamma { visits 1 } }"}' \
    'd["reforms"] == "quick + mine" and d["total"]["reform"] == 321000000'
check "api: sensitivity and filters" \
    answer 200 '{"date": "2026-01-15", "income": 20000, "agency": ["police"], "coverage": {"people": 0}}' \
    '[p["baseline"]["cost"] for p in d["procedures"]] == [380000] and len(d["sensitivity"]) == 2'
check "api: a broken reform is 422 with its diagnostics" \
    answer 422 '{"reform": "reform bad { procedure nobody { visits 0 } }"}' \
    'd["error"] == "unprocessable" and "nobody" in d["diagnostics"][0]["message"]'
check "api: a text that declares more than a reform is refused" \
    answer 422 '{"reform": "procedure sneaky { lifecycle l }"}' \
    'd["diagnostics"][0]["message"] == "only reform declarations may be sent with a study"'
check "api: an unknown member is 400" answer 400 '{"reforms": [], "volume": 3}' \
    'd["message"] == "a study takes no member \"volume\""'
check "api: an unknown reform is 422" answer 422 '{"reforms": ["nope"]}' \
    'd["message"] == "no reform '"'"'nope'"'"' in the catalogue"'
check "api: coverage out of range is 400" answer 400 '{"coverage": {"people": 120}}' 'True'
check "api: coverage of an unknown registry is 422" answer 422 '{"coverage": {"nobody": 12}}' 'True'
check "api: income must be above 0" answer 400 '{"income": 0}' 'True'
check "api: a bad date is 400" answer 400 '{"date": "2026-02-30"}' 'True'
check "api: by of another word is 400" answer 400 '{"by": "officer"}' 'True'
check "api: not JSON is 400" answer 400 'reforms' 'True'
check "api: without a token, 401" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' --data-binary '{}' http://127.0.0.1:$serve_port/api/cost) = 401 ]"
check "api: in Vietnamese when asked" bash -c "curl -s -H 'Accept-Language: vi' -H 'Authorization: Bearer clerk-secret' --data-binary '{\"by\": \"x\"}' http://127.0.0.1:$serve_port/api/cost | grep -q 'theo cơ quan'"

echo "1..$n"
