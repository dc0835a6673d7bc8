#!/usr/bin/env bash
# The live registries' connector against a real HTTPS service (issue 20; docs/registries.md):
# makes a throwaway certificate authority with openssl (a server certificate for localhost, a
# client certificate for motcua, and a second authority with a rogue client certificate of its
# own), starts tools/registry_service twice on loopback (one answering at once, one after
# 300 ms), and runs the connector's suite (build/tests/test_connect) against them: found, not
# found, incomplete, slow past the deadline, error 500, malformed, another subject, a wrong
# client certificate and none, a server of another authority, three look-ups in one answer's
# time, a flood opening the breaker and its closing, four threads on one connector, out of memory
# while answers are read; then, from the services' logs, the X-Road headers and the body, the
# retry of a 503 under the same X-Road-Id, and connections kept between calls. Prints TAP lines;
# run by tools/run-tests.sh as  bash tests/registry.sh BUILD
set -u
build=${1:-build}
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; shift; for line in "$@"; do echo "# $line"; done; }

# the authorities and certificates (RECIPES.md "Mutual TLS with libcurl")
mkca() { openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/$1.key" -out "$tmp/$1.pem" \
    -days 2 -subj "/CN=$2" 2>/dev/null; }
mkcert() { # NAME CA CN EXTENSIONS
    openssl req -newkey rsa:2048 -nodes -keyout "$tmp/$1.key" -out "$tmp/$1.csr" -subj "/CN=$3" \
        2>/dev/null &&
        printf '%b\n' "$4" >"$tmp/$1.ext" &&
        openssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/$2.pem" -CAkey "$tmp/$2.key" \
            -CAcreateserial -out "$tmp/$1.pem" -days 2 -extfile "$tmp/$1.ext" 2>/dev/null
}
if mkca ca "motcua test CA" && mkca otherca "Another CA" &&
    mkcert server ca localhost "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth" &&
    mkcert client ca "motcua 000.00.00.H29" "extendedKeyUsage=clientAuth" &&
    mkcert rogue otherca "motcua 000.00.00.H29" "extendedKeyUsage=clientAuth"; then
    ok "a throwaway authority, server and client certificates made with openssl"
else
    fail "a throwaway authority, server and client certificates made with openssl"
    exit 1
fi

cat >"$tmp/records.csv" <<'CSV'
# subject,behaviour,reference,issued
001090000001,found,CS-1,2020-05-01
001090000002,incomplete
001090000003,slow,CS-3,2019-01-01
001090000004,error
001090000005,malformed
001090000006,other,CS-6,2018-02-02
001090000007,flaky,CS-7,2017-03-03
CSV

start() { # NAME OPTIONS… : starts the service (in this shell, so that cleanup stops it)
    local name=$1
    shift
    "$build/tools/registry_service" --port 0 --cert "$tmp/server.pem" --key "$tmp/server.key" \
        --ca "$tmp/ca.pem" --records "$tmp/records.csv" --log "$tmp/$name.log" "$@" \
        >"$tmp/$name.port" 2>>"$tmp/$name.log" &
    pids+=($!)
    for _ in $(seq 50); do
        [ -s "$tmp/$name.port" ] && break
        sleep 0.1
    done
}
start plain --slow-ms 3000
start delayed --delay 300
port=$(sed -n 's/^port //p' "$tmp/plain.port")
delayed=$(sed -n 's/^port //p' "$tmp/delayed.port")
if [ -n "$port" ] && [ -n "$delayed" ]; then
    ok "the test service listens on loopback over TLS (ports $port and $delayed)"
else
    fail "the test service listens on loopback over TLS" "$(cat "$tmp"/*.port)"
    exit 1
fi

# the service itself refuses a client without the authority's certificate
if ! curl -s --cacert "$tmp/ca.pem" -d '{}' "https://localhost:$port/" >/dev/null 2>&1 &&
    curl -s --cacert "$tmp/ca.pem" --cert "$tmp/client.pem" --key "$tmp/client.key" \
        -d '{"request_id":"r1","registry":"civil-status","subject":"001090000001"}' \
        "https://localhost:$port/" | grep -q '"reference":"CS-1"'; then
    ok "the service answers the authority's client certificate and refuses a client without"
else
    fail "the service answers the authority's client certificate and refuses a client without"
fi

out=$(MC_TEST_REGISTRY_DIR=$tmp MC_TEST_REGISTRY_PORT=$port MC_TEST_REGISTRY_DELAYED_PORT=$delayed \
    CMOCKA_MESSAGE_OUTPUT=TAP "$build/tests/test_connect" 2>&1)
rc=$?
if [ "$rc" = 0 ] && ! printf '%s\n' "$out" | grep -q -e '^not ok' -e '# SKIP'; then
    ok "the connector's suite against the service: $(printf '%s\n' "$out" | grep -c '^ok ') cases"
else
    fail "the connector's suite against the service" "$(printf '%s\n' "$out" | grep -v '^ok ')"
fi

# the look-ups as the service saw them: the X-Road headers, the request id of each
if grep -q '^X-Road-Client: VN/GOV/000.00.00.H29/motcua X-Road-Id: [0-9a-f]\{32\} {"protocol":"motcua-lookup/1","request_id":"[0-9a-f]\{32\}","registry":"civil-status","document":"birth-certificate","subject":"001090000001","party":"applicant","purpose":{"procedure":"birth-registration","dossier":42},"agency":"ubnd-xa"} -> 200 ' "$tmp/plain.log" &&
    grep -q '^refused: no client certificate of the test authority' "$tmp/plain.log"; then
    ok "requests carry X-Road-Client, X-Road-Id and the documented body; rogue clients refused"
else
    fail "requests carry X-Road-Client, X-Road-Id and the documented body" "$(head -3 "$tmp/plain.log")"
fi
# the retry: the same X-Road-Id twice, 503 then 200
id=$(sed -n 's/^X-Road-Client: [^ ]* X-Road-Id: \([0-9a-f]*\) .*"subject":"001090000007".* -> 503 .*/\1/p' "$tmp/plain.log" | head -1)
if [ -n "$id" ] && [ "$(grep -c "X-Road-Id: $id .* -> 503 " "$tmp/plain.log")" = 1 ] &&
    [ "$(grep -c "X-Road-Id: $id .* -> 200 " "$tmp/plain.log")" = 1 ]; then
    ok "a look-up refused with 503 is sent once more under the same X-Road-Id, and answered"
else
    fail "a look-up refused with 503 is sent once more under the same X-Road-Id" "$(grep 001090000007 "$tmp/plain.log")"
fi
# the delayed service's connections: three for the two calls of three look-ups (the second call
# reuses the first's), one for the flaky look-up of another connector (no retry: too late)
conns=$(grep -c '^connection$' "$tmp/delayed.log")
reqs=$(grep -c ' -> [0-9]* ' "$tmp/delayed.log")
if [ "$conns" = 4 ] && [ "$reqs" = 7 ]; then
    ok "connections are kept between calls: $reqs requests on $conns connections"
else
    fail "connections are kept between calls" "$reqs requests on $conns connections"
fi

# End to end: `motcua serve` configured with the service as its live registry, submissions
# through the API. A record found is fetched (with the request and the answer's hash in the
# requirement), one the registry does not hold is asked, one past the registry's deadline is
# asked with the reason, and with the service gone the breaker's reason; the store verifies.
mkdir -p "$tmp/cat/procedures"
cat >"$tmp/cat/procedures/p.proc" <<'PROC'
role clerk
document birth-certificate { title "Birth certificate"; title vi "Giấy khai sinh" }
registry civil-status { live; holds birth-certificate }
lifecycle l {
    state submitted { initial; on receive -> done by clerk }
    state done { final; outcome granted }
}
procedure p { time-limit 7wd; lifecycle l; agency ubnd-xa; subject id
    field id { type text; required }
    requires birth-certificate }
PROC
echo "$("$build/motcua" hash-token portal-secret) portal clerk ubnd-xa" >"$tmp/tokens"
cat >"$tmp/serve.conf" <<CONF
tokens tokens
db serve.db
catalogue cat
registry civil-status {
    url "https://localhost:$port/"
    ca ca.pem
    cert client.pem
    key client.key
    timeout 1000
    client VN/GOV/000.00.00.H29/motcua
}
CONF
chmod 600 "$tmp/serve.conf" "$tmp/client.key"
. tools/serve-lib.sh
if serve_start "$tmp/serve.out" "$tmp/serve.err" "$build/motcua" --config "$tmp/serve.conf"; then
    pids+=("$serve_pid")
    ok "serve starts with the live registry configured"
else
    fail "serve starts with the live registry configured" "$(tail -3 "$tmp/serve.err")"
    echo "1..$n"
    exit 1
fi
submit() { # SUBJECT: the requirement of the dossier submitted for SUBJECT, as JSON
    curl -s -X POST -H "Authorization: Bearer portal-secret" \
        --data "{\"procedure\":\"p\",\"fields\":{\"id\":\"$1\"}}" \
        "http://127.0.0.1:$serve_port/api/dossiers" |
        /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); r=(d.get("checklist") or [{}])[0]; print(json.dumps(r, sort_keys=True))'
}
r=$(submit 001090000001)
if printf '%s' "$r" | grep -q '"status": "fetched"' && printf '%s' "$r" | grep -q '"record": "CS-1"'; then
    ok "a record the registry holds is fetched through serve"
else
    fail "a record the registry holds is fetched through serve" "$r"
fi
r=$(submit 001090009999)
if printf '%s' "$r" | grep -q '"status": "asked"' && printf '%s' "$r" | grep -q 'not found in civil-status'; then
    ok "a record the registry does not hold is asked: not found"
else
    fail "a record the registry does not hold is asked: not found" "$r"
fi
r=$(submit 001090000003)
if printf '%s' "$r" | grep -q '"status": "asked"' &&
    printf '%s' "$r" | grep -q '"reason": "civil-status did not answer within 1000 ms: asked of the applicant (Resolution 66.7/2025/NQ-CP)"'; then
    ok "a registry past its deadline: asked of the applicant, with the reason"
else
    fail "a registry past its deadline: asked, with the reason" "$r"
fi
kill "${pids[0]}" 2>/dev/null # the service answering at once
sleep 0.3
r=$(submit 001090000001)
if printf '%s' "$r" | grep -q '"status": "asked"' && printf '%s' "$r" | grep -q 'civil-status did not answer'; then
    ok "the registry gone: asked of the applicant, with the reason, and serve answers"
else
    fail "the registry gone: asked, with the reason" "$r"
fi
kill "$serve_pid" 2>/dev/null
wait "$serve_pid" 2>/dev/null
if "$build/motcua" verify --db "$tmp/serve.db" >"$tmp/verify" 2>&1 && grep -q "the store is intact" "$tmp/verify"; then
    ok "the store verifies after the live look-ups"
else
    fail "the store verifies after the live look-ups" "$(cat "$tmp/verify")"
fi

# Measured coverage (issue 20): 40 dossiers submitted through serve against a fresh service, 36
# of them for a subject the registry holds; `cost --coverage-from` the store counts the
# look-ups the proofs record: 90.0% replaces the declared 85%, and a period without look-ups
# keeps it.
start cov
covport=$(sed -n 's/^port //p' "$tmp/cov.port")
sed -e "s|^db serve.db|db cov.db|" -e "s|localhost:$port/|localhost:$covport/|" \
    "$tmp/serve.conf" >"$tmp/cov.conf"
chmod 600 "$tmp/cov.conf"
if [ -n "$covport" ] && serve_start "$tmp/cov.out" "$tmp/cov.err" "$build/motcua" --config "$tmp/cov.conf"; then
    pids+=("$serve_pid")
    for i in $(seq 40); do
        if [ "$i" -le 36 ]; then subject=001090000001; else subject=00109000999$((i - 36)); fi
        submit "$subject" >/dev/null
    done
    kill "$serve_pid" 2>/dev/null
    wait "$serve_pid" 2>/dev/null
    ok "40 dossiers submitted through serve with the live registry"
else
    fail "40 dossiers submitted through serve with the live registry" "$(tail -3 "$tmp/cov.err")"
fi
mkdir -p "$tmp/covcat/procedures"
sed -e 's/^registry civil-status { live; holds birth-certificate }/registry civil-status { live; holds birth-certificate; coverage 85% }/' \
    -e 's/^    requires birth-certificate }/    requires birth-certificate { effort 10h; cost 0 VND } }/' \
    -e 's/^procedure p { time-limit 7wd;/procedure p { time-limit 7wd; volume 1000 per year;/' \
    "$tmp/cat/procedures/p.proc" >"$tmp/covcat/procedures/p.proc"
echo 'cost-model m { default; hourly-income 40000 VND; hours-per-day 8; visit 0h 0 VND; count-waiting false }' \
    >>"$tmp/covcat/procedures/p.proc"
today=$(TZ=Asia/Ho_Chi_Minh date +%F)
cat >"$tmp/cov.want" <<OUT
cost model m: 40,000 VND an hour, 8 hours a day, a visit 0h and 0 VND; waiting not counted
versions in force on $today

procedure                              hours   cost/dossier             annual
p                                       1.00         40,000         40,000,000
total                                                               40,000,000

độ phủ của các cơ sở dữ liệu: đo từ các lượt tra cứu ghi trong kho hồ sơ khi cơ sở dữ liệu kết nối trực tiếp có ít nhất 30 lượt, nếu không thì dùng số đã khai báo (giả định)
coverage of the registries: measured from the look-ups in the store where a live registry has at least 30 of them, else the declared figure (an assumption)
  civil-status: 90,0% đo được qua 40 lượt tra cứu từ $today đến $today, thay cho 85% đã khai báo
  civil-status: 90.0% measured over 40 look-ups from $today to $today, instead of the declared 85%
OUT
if "$build/motcua" cost --catalogue "$tmp/covcat" --coverage-from "$tmp/cov.db" >"$tmp/cov.got" 2>&1 &&
    diff "$tmp/cov.want" "$tmp/cov.got" >"$tmp/cov.diff"; then
    ok "cost --coverage-from the store: 90.0% measured over the 40 look-ups, instead of the declared 85%"
else
    fail "cost --coverage-from the store: 90.0% measured" "$(cat "$tmp/cov.diff" "$tmp/cov.got" | head -20)"
fi
if "$build/motcua" cost --catalogue "$tmp/covcat" --coverage-from "$tmp/cov.db" --since 2000-01-01 \
    --until 2000-12-31 2>&1 | grep -qx '  civil-status: the assumed 85% kept: no look-up recorded in the period' &&
    "$build/motcua" cost --catalogue "$tmp/covcat" | grep -qx 'p  *1.50  *60,000  *60,000,000'; then
    ok "a period without look-ups keeps the declared 85%, as cost without --coverage-from counts"
else
    fail "a period without look-ups keeps the declared 85%" \
        "$("$build/motcua" cost --catalogue "$tmp/covcat" --coverage-from "$tmp/cov.db" --since 2000-01-01 --until 2000-12-31 2>&1 | tail -3)"
fi
echo "1..$n"
