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
echo "1..$n"
