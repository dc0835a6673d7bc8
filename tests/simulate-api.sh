#!/usr/bin/env bash
# POST /api/simulate (issue 22, docs/api.md): `motcua simulate` over HTTP on the catalogue of
# tests/fixtures/study, the answer compared with the command's JSON for the same options, a
# reform sent in the body compared with the same reform as a catalogue layer, each bound refused
# with its code, and the request's other failures. TAP output.
#   bash tests/simulate-api.sh MOTCUA
set -u
bin=${1:?usage: simulate-api.sh MOTCUA}
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

source tools/serve-lib.sh
{
    echo "$("$bin" hash-token clerk-secret) lan clerk district"
    echo "$("$bin" hash-token citizen-secret) an applicant - 079123456789"
} >"$tmp/tokens"
serve_start "$tmp/serve.out" "$tmp/serve.err" "$bin" --tokens "$tmp/tokens" --db "$tmp/api.db" \
    --catalogue "$cat" || echo "not ok - the server did not start: $(cat "$tmp/serve.err")"
trap 'kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
url=http://127.0.0.1:$serve_port/api/simulate

post() { # post BODY [TOKEN [LANGUAGE]]: the answer's body in $tmp/body, its status printed
    curl -s -o "$tmp/body" -w '%{http_code}\n' -H "Authorization: Bearer ${2:-clerk-secret}" \
        -H 'Content-Type: application/json' -H "Accept-Language: ${3:-en}" \
        --data-binary "$1" "$url"
}
answer() { # answer STATUS BODY PYTHON [TOKEN [LANGUAGE]]: the status, and PYTHON's assertion on d
    local want=$1 body=$2 test=$3 got
    got=$(post "$body" "${4:-clerk-secret}" "${5:-en}")
    [ "$got" = "$want" ] || { echo "status $got, not $want: $(cat "$tmp/body")" >&2; return 1; }
    python3 -c "import json,sys; d=json.load(open('$tmp/body')); assert $test, d" || {
        cat "$tmp/body" >&2
        return 1
    }
}
refused() { # refused STATUS CODE BODY [MESSAGE]: the status, the error's code and its English
    local status=$1 code=$2 body=$3
    WANT_MESSAGE=${4:-} answer "$status" "$body" \
        "d['code'] == '$code' and __import__('os').environ['WANT_MESSAGE'] in ('', d['message'])"
}
# The command's JSON and the API's, parsed, must be equal: the API prints reals with 17 digits,
# the command with 12, so reals are compared to 1e-9 of their size.
same() { # same CLI.json API.json
    python3 - "$1" "$2" <<'PY'
import json, math, sys
def eq(a, b, path):
    if isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), path
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (path, a, b)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), (path, list(a), list(b))
        for k in a:
            eq(a[k], b[k], path + "." + k)
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            eq(x, y, "%s[%d]" % (path, i))
    else:
        assert a == b, (path, a, b)
eq(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), "$")
PY
}
# parity BODY CLI-OPTIONS…: the API's answer to BODY is the command's JSON with those options
parity() {
    local body=$1
    shift
    "$bin" simulate --catalogue "$cat" --format json "$@" >"$tmp/cli.json" 2>"$tmp/cli.err" || {
        cat "$tmp/cli.err" >&2
        return 1
    }
    local got
    got=$(post "$body")
    [ "$got" = 200 ] || { echo "status $got: $(cat "$tmp/body")" >&2; return 1; }
    same "$tmp/cli.json" "$tmp/body"
}

# The same answer as the command.
check "the baseline alone: the command's JSON" \
    parity '{"from": "2026-01-15", "dossiers": 2000, "seed": 3}' \
    --from 2026-01-15 --dossiers 2000 --seed 3
check "stacked reforms, runs, subtotals, filters and sensitivity: the command's JSON" \
    parity '{"from": "2026-01-15", "dossiers": 3000, "seed": 7, "runs": 3, "reforms": ["quick", "later"], "by": "agency", "income": 20000, "count_waiting": false, "coverage": {"people": 0}, "procedure": ["alpha", "beta"]}' \
    --from 2026-01-15 --dossiers 3000 --seed 7 --runs 3 --reform quick --reform later --by agency \
    --income 20000 --count-waiting no --coverage people=0% --procedure alpha,beta
check "the answer has the runs' intervals, the year and who gains" \
    answer 200 '{"from": "2026-01-15", "dossiers": 1000, "runs": 2, "reforms": ["quick"]}' \
    'd["runs"] == 2 and d["intervals"]["last_seed"] == 2 and d["reformed"]["gains"][0]["dossiers"] == 1000 and d["cost_annual"]["baseline"] == 519000000'
check "without runs, no intervals; dossiers default to 10,000 and the seed to 1" \
    answer 200 '{"from": "2026-01-15"}' \
    '"intervals" not in d and d["dossiers"] == 10000 and d["seed"] == 1 and "reformed" not in d'

# A reform sent in the body: the same as that reform in a catalogue layer of its own.
mkdir -p "$tmp/mine/procedures"
mine='reform mine { procedure gamma { visits 1 } procedure alpha { visits 0 } }'
echo "$mine" >"$tmp/mine/procedures/mine.proc"
check "a reform sent in the body, after the named ones: the command's JSON with it as a layer" \
    parity '{"from": "2026-01-15", "dossiers": 2000, "reforms": ["later"], "reform": "'"$mine"'"}' \
    --catalogue "$tmp/mine" --from 2026-01-15 --dossiers 2000 --reform later --reform mine
check "the sent reform is named last and changes the figures" \
    answer 200 '{"from": "2026-01-15", "dossiers": 2000, "reform": "'"$mine"'"}' \
    'd["reforms"] == ["mine"] and d["reformed"]["total"]["visits_per_dossier"] != d["baseline"]["total"]["visits_per_dossier"]'
check "a broken reform is 422 with its diagnostics" \
    answer 422 '{"reform": "reform bad { procedure nobody { visits 0 } }"}' \
    'd["code"] == "api.study-reform-errors" and d["diagnostics"][0]["message"] == "unknown procedure '"'"'nobody'"'"'" and d["diagnostics"][0]["line"] == 1'
check "a text that declares more than a reform is refused" \
    answer 422 '{"reform": "procedure sneaky { lifecycle l }"}' \
    'd["diagnostics"][0]["message"] == "only reform declarations may be sent with a study"'

# The bounds, each refused with its code.
check "dossiers 0 is 400" refused 400 api.simulate-dossiers '{"dossiers": 0}' \
    '"dossiers" must be a whole number from 1 to 20000'
check "dossiers above 20,000 is 400" refused 400 api.simulate-dossiers '{"dossiers": 20001}'
check "dossiers as text is 400" refused 400 api.simulate-dossiers '{"dossiers": "100"}'
check "dossiers 20,000 is taken" answer 200 '{"dossiers": 20000, "procedure": ["alpha"]}' 'd["dossiers"] == 20000'
check "runs 0 is 400" refused 400 api.simulate-runs '{"runs": 0}' \
    '"runs" must be a whole number from 1 to 20'
check "runs above 20 is 400" refused 400 api.simulate-runs '{"runs": 21, "dossiers": 10}'
check "runs of a fraction is 400" refused 400 api.simulate-runs '{"runs": 2.5}'
check "dossiers × runs above 50,000 is 400" refused 400 api.simulate-work \
    '{"dossiers": 20000, "runs": 3}' \
    '"dossiers" × "runs" is 60000, more than 50000: simulate fewer dossiers or fewer runs'
check "dossiers × runs of 50,000 is taken" answer 200 '{"dossiers": 2500, "runs": 20, "procedure": ["alpha"]}' \
    'd["intervals"]["runs"] == 20'
check "a negative seed is 400" refused 400 api.simulate-seed '{"seed": -1}' \
    '"seed" must be a whole number from 0 to 9007199254740991'
check "a seed past 2^53 is 400" refused 400 api.simulate-seed '{"seed": 9007199254740992}'

# The request's other failures.
check "an unknown member is 400" refused 400 api.simulate-key '{"reforms": [], "year": true}' \
    'a simulation takes no member "year"'
check "compare is not a member" refused 400 api.simulate-key '{"compare": ["quick"]}'
check "a bad date is 400" refused 400 api.simulate-from '{"from": "2026-02-30"}' \
    '"from" must be a date (YYYY-MM-DD)'
check "an unknown reform is 422" refused 422 api.study-unknown-reform '{"reforms": ["nope"]}' \
    "no reform 'nope' in the catalogue"
check "a reform named twice is 422" refused 422 api.simulate-failed '{"reforms": ["quick", "quick"]}' \
    "reform 'quick' is given twice"
check "filters nothing passes: 422, said" refused 422 api.simulate-failed '{"agency": ["nobody"]}' \
    'no procedure with a volume passes the filters: nothing to simulate'
check "income must be above 0" refused 400 api.study-income '{"income": 0}'
check "by of another word is 400" refused 400 api.study-by '{"by": "officer"}'
check "count_waiting must be a boolean" refused 400 api.member-boolean '{"count_waiting": "no"}'
check "coverage of an unknown registry is 422" refused 422 api.study-registry '{"coverage": {"nobody": 12}}'
check "reforms must be strings" refused 400 api.member-strings '{"reforms": [1]}'
check "malformed JSON is 400 with its place" refused 400 api.json-malformed '{"dossiers": }' \
    "malformed JSON at line 1, column 14: unexpected token near '}'"
check "not an object is 400" refused 400 api.body-not-object '[1]'
check "without a token, 401" \
    bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' --data-binary '{}' $url) = 401 ]"
check "with an unknown token, 401" answer 401 '{}' 'd["code"] == "api.token-unknown"' wrong-secret
check "GET is 405" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer clerk-secret' $url) = 405 ]"
check "an applicant may simulate (the catalogue is public)" \
    answer 200 '{"dossiers": 100, "reforms": ["quick"]}' 'd["dossiers"] == 100' citizen-secret
check "in Vietnamese when asked" \
    answer 400 '{"dossiers": 0}' \
    'd["message"] == "\"dossiers\" (số hồ sơ mô phỏng) phải là một số nguyên từ 1 đến 20000" and d["code"] == "api.simulate-dossiers"' \
    clerk-secret vi
check "the bound of dossiers × runs in Vietnamese" \
    answer 400 '{"dossiers": 20000, "runs": 3}' \
    'd["message"] == "\"dossiers\" × \"runs\" bằng 60000, vượt quá 50000: hãy mô phỏng ít hồ sơ hơn hoặc chạy ít lần hơn"' \
    clerk-secret vi
check "a failed simulation in Vietnamese keeps the library's words as its argument" \
    answer 422 '{"agency": ["nobody"]}' \
    'd["message"] == "không mô phỏng được: no procedure with a volume passes the filters: nothing to simulate"' \
    clerk-secret vi

echo "1..$n"
