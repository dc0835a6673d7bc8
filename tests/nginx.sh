#!/usr/bin/env bash
# motcua behind Debian's nginx terminating TLS (issue 19; docs/operations.md "Service and TLS"):
# dist/nginx-motcua.conf, with only its ports, upstream address and certificate paths changed, in
# front of `motcua serve` on loopback, with a self-signed certificate made by openssl, driven
# through HTTPS with curl: health, submit, get, errors passing through with motcua's JSON, plain
# HTTP sent to HTTPS, a large answer whole, and the headers nginx hands motcua (X-Forwarded-For
# replaced by the client's address, X-Forwarded-Proto, X-Request-Id), seen by a listener of the
# test's own in place of motcua. Also dist/motcua.service through `systemd-analyze verify` when
# systemd is there. Prints TAP lines; run by tools/run-tests.sh as  bash tests/nginx.sh MOTCUA
# nginx and openssl are required: without them it fails, it never skips.
set -u
bin=${1:?usage: nginx.sh MOTCUA}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/tap.sh"
for tool in nginx openssl curl python3; do
    if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
        echo "not ok 1 - nginx: $tool is not installed (apt-get install nginx openssl)"
        echo "1..1"
        exit 1
    fi
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# ---- the service unit ----
if command -v systemd-analyze >/dev/null 2>&1; then
    # verify checks that ExecStart names an executable: the unit with this build's motcua.
    sed "s|/usr/local/bin/motcua|$bin|" dist/motcua.service >"$tmp/motcua.service"
    if systemd-analyze verify "$tmp/motcua.service" >"$tmp/sd" 2>&1 && [ ! -s "$tmp/sd" ]; then
        ok "dist/motcua.service passes systemd-analyze verify, silently"
    else
        fail "dist/motcua.service passes systemd-analyze verify, silently" "$(cat "$tmp/sd")"
    fi
else
    ok "dist/motcua.service # SKIP systemd-analyze is not installed"
fi

# A free loopback port.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- motcua, and a listener that records the headers it is sent ----
{
    echo "$("$bin" hash-token clerk-secret-0123456789) lan clerk commune-committee"
    echo "$("$bin" hash-token other-secret-0123456789) minh clerk other-agency"
} >"$tmp/tokens"
chmod 600 "$tmp/tokens"
. tools/serve-lib.sh
: >"$tmp/serve.out"
serve_start "$tmp/serve.out" "$tmp/serve.err" "$bin" --tokens "$tmp/tokens" --db "$tmp/n.db" \
    --catalogue tests/fixtures/cli-catalogue --now 2025-07-14T09:00 --trusted-proxy 127.0.0.1
pids+=("$serve_pid")
mcport=$serve_port
if [ -z "$mcport" ]; then
    fail "motcua serve starts" "$(cat "$tmp/serve.err")"
    echo "1..$n"
    exit 1
fi
cat >"$tmp/tap.py" <<'PY'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(sys.argv[1], "a") as f:
            f.write(json.dumps({k.lower(): v for k, v in self.headers.items()}) + "\n")
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$tmp/tap.py" "$tmp/tap.json" >"$tmp/tap.port" 2>"$tmp/tap.err" &
pids+=($!)
for _ in $(seq 50); do [ -s "$tmp/tap.port" ] && break; sleep 0.1; done
tapport=$(cat "$tmp/tap.port")

# ---- the certificate and two private nginx instances of dist/nginx-motcua.conf ----
chmod 755 "$tmp" # nginx's workers run as nobody: they read the temporary files of large answers
if ! openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$tmp/key.pem" \
    -out "$tmp/cert.pem" >"$tmp/openssl.log" 2>&1; then
    fail "openssl makes a self-signed certificate" "$(cat "$tmp/openssl.log")"
    echo "1..$n"
    exit 1
fi
ok "openssl makes a self-signed certificate"

# start_nginx NAME UPSTREAM-PORT: renders the example for this machine, starts it; sets tls_port,
# http_port. Only these lines change: the upstream's port, the listen addresses, the certificate.
start_nginx() {
    local name=$1 up=$2 d=$tmp/$1
    mkdir -p "$d/tmp" "$d/logs"
    chown nobody:nogroup "$d/tmp" 2>/dev/null
    tls_port=$(free_port)
    http_port=$(free_port)
    sed -e "s|server 127.0.0.1:8080;|server 127.0.0.1:$up;|" \
        -e "s|listen 443 ssl http2;|listen 127.0.0.1:$tls_port ssl http2;|" -e '/listen \[::\]:443/d' \
        -e "s|listen 80;|listen 127.0.0.1:$http_port;|" -e '/listen \[::\]:80;/d' \
        -e "s|/etc/ssl/motcua/fullchain.pem|$tmp/cert.pem|" -e "s|/etc/ssl/motcua/privkey.pem|$tmp/key.pem|" \
        dist/nginx-motcua.conf >"$d/motcua.conf"
    cat >"$d/nginx.conf" <<CONF
pid nginx.pid;
error_log logs/error.log;
events {}
http {
    access_log logs/access.log;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    include $d/motcua.conf;
}
CONF
    if ! "$NGINX" -p "$d/" -c nginx.conf -t >"$d/t.log" 2>&1; then
        return 1
    fi
    "$NGINX" -p "$d/" -c nginx.conf -g 'daemon off;' >"$d/out.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do
        curl -s -o /dev/null --cacert "$tmp/cert.pem" "https://localhost:$tls_port/" && return 0
        sleep 0.1
    done
    return 1
}

if start_nginx front "$mcport"; then
    ok "dist/nginx-motcua.conf passes nginx -t and nginx starts with it"
else
    fail "dist/nginx-motcua.conf passes nginx -t and nginx starts with it" "$(cat "$tmp/front/t.log" "$tmp/front/out.log" "$tmp/front/logs/error.log" 2>/dev/null)"
    echo "1..$n"
    exit 1
fi
https="https://localhost:$tls_port"
http_front=$http_port

# call TOKEN METHOD PATH [BODY]: through HTTPS, checking the certificate; prints the status, the
# body in $tmp/r and the headers in $tmp/h.
call() {
    local token=$1 method=$2 path=$3 body=${4:-}
    local args=(-s -D "$tmp/h" -o "$tmp/r" -w '%{http_code}' --max-time 20 --cacert "$tmp/cert.pem" -X "$method")
    [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    curl "${args[@]}" "$https$path"
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
expect() { # expect STATUS KEY VALUE NAME TOKEN METHOD PATH [BODY]
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

expect 200 status ok "GET /api/health through HTTPS" "" GET /api/health
grep -qi '^strict-transport-security: max-age=63072000' "$tmp/h" && ok "... with Strict-Transport-Security" ||
    fail "... with Strict-Transport-Security" "$(cat "$tmp/h")"
birth='{"procedure":"birth-registration","fields":{"citizen-id":"079123456789","parents-married":false},"attach":["birth-notice","citizen-identity"]}'
expect 201 state submitted "a clerk submits a dossier through HTTPS: 201" clerk-secret-0123456789 POST /api/dossiers "$birth"
expect 200 subject 079123456789 "... and gets it back: 200" clerk-secret-0123456789 GET /api/dossiers/1
expect 200 history.0.body.user lan "... attributed to the token's actor" clerk-secret-0123456789 GET /api/dossiers/1
expect 401 error unauthorized "no token: motcua's 401 and its JSON pass through" "" GET /api/dossiers
expect 403 error forbidden "another agency's dossier: motcua's 403 passes through" other-secret-0123456789 GET /api/dossiers/1
expect 404 error not-found "an unknown dossier: motcua's 404 passes through" clerk-secret-0123456789 GET /api/dossiers/99
expect 400 error bad-request "malformed JSON: motcua's 400 passes through" clerk-secret-0123456789 POST /api/dossiers '{"procedure":'
grep -qi '^content-type: application/json' "$tmp/h" && ok "... as JSON" || fail "... as JSON" "$(cat "$tmp/h")"
python3 -c 'print("{\"procedure\":\"" + "x" * 70000 + "\"}")' >"$tmp/big.json"
got=$(curl -s -o "$tmp/r" -w '%{http_code}' --max-time 20 --cacert "$tmp/cert.pem" -X POST \
    -H "Authorization: Bearer clerk-secret-0123456789" --data-binary @"$tmp/big.json" "$https/api/dossiers")
[ "$got" = 413 ] && ok "a body over 64 KiB is stopped by nginx: 413" || fail "a body over 64 KiB is stopped by nginx: 413" "status $got"
curl -s -o "$tmp/direct.js" "http://127.0.0.1:$mcport/console.js"
got=$(curl -s -o "$tmp/proxied.js" -w '%{http_code}' --max-time 20 --cacert "$tmp/cert.pem" "$https/console.js")
[ "$got" = 200 ] && [ -s "$tmp/direct.js" ] && cmp -s "$tmp/direct.js" "$tmp/proxied.js" &&
    ok "a large answer (the console's script, $(wc -c <"$tmp/direct.js") bytes) comes through whole" ||
    fail "a large answer comes through whole" "status $got" "$(wc -c "$tmp/direct.js" "$tmp/proxied.js")"
got=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 10 "http://127.0.0.1:$http_front/api/dossiers/1")
[ "$got" = "301 https://127.0.0.1/api/dossiers/1" ] && ok "plain HTTP is sent to HTTPS: 301" ||
    fail "plain HTTP is sent to HTTPS: 301" "got: $got"
got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "https://localhost:$tls_port/api/health" 2>&1)
[ "$got" = 000 ] && ok "a client that does not trust the certificate is refused by TLS" ||
    fail "a client that does not trust the certificate is refused by TLS" "status $got"

# ---- the citizen's tracking behind nginx: its limit per client address (--trusted-proxy) ----
track() { # track SOURCE-ADDRESS: the status of one look-up through nginx from that address
    curl -s -o "$tmp/r" -D "$tmp/h" -w '%{http_code}' --max-time 10 --cacert "$tmp/cert.pem" \
        --interface "$1" -H "X-Real-IP: 198.51.100.$RANDOM" -H "X-Forwarded-For: 198.51.100.$RANDOM" \
        "https://localhost:$tls_port/api/track?code=1&subject=079123456780"
}
got=""
for i in $(seq 11); do got="$got $(track 127.0.0.1)"; done
other=$(track 127.0.0.2)
[ "$got" = " 404 404 404 404 404 404 404 404 404 404 429" ] && [ "$other" = 404 ] &&
    ok "the tracking through nginx: 10 a minute per client address, the address nginx names, not a forged header" ||
    fail "the tracking through nginx: 10 a minute per client address, the address nginx names, not a forged header" \
        "from 127.0.0.1:$got; from 127.0.0.2: $other" "$(cat "$tmp/r")"

# ---- the headers motcua is sent ----
if start_nginx tap "$tapport"; then
    curl -s -o /dev/null --max-time 10 --cacert "$tmp/cert.pem" -H "X-Forwarded-For: 203.0.113.7" \
        -H "X-Request-Id: forged" -H "Authorization: Bearer clerk-secret-0123456789" \
        "https://localhost:$tls_port/api/whoami"
    python3 -c 'import json,re,sys
h = json.loads(open(sys.argv[1]).readlines()[-1])
assert h.get("x-forwarded-for") == "127.0.0.1", h
assert h.get("x-forwarded-proto") == "https", h
assert re.fullmatch("[0-9a-f]{32}", h.get("x-request-id", "")), h
assert h.get("authorization") == "Bearer clerk-secret-0123456789", h
assert h.get("connection") is None or h.get("connection") == "", h' "$tmp/tap.json" >"$tmp/py" 2>&1 &&
        ok "nginx replaces a forged X-Forwarded-For and X-Request-Id: motcua is told 127.0.0.1, https, nginx's id" ||
        fail "nginx replaces a forged X-Forwarded-For and X-Request-Id: motcua is told 127.0.0.1, https, nginx's id" "$(cat "$tmp/py" "$tmp/tap.json" "$tmp/tap.err")"
else
    fail "a second nginx in front of the test's listener" "$(cat "$tmp/tap/t.log" "$tmp/tap/out.log" 2>/dev/null)"
fi

kill -TERM "$serve_pid"
wait "$serve_pid"
rc=$?
[ "$rc" = 0 ] && ok "motcua stops with exit 0" || fail "motcua stops with exit 0" "exit $rc" "$(cat "$tmp/serve.err")"
echo "1..$n"
