#!/usr/bin/env bash
# The configuration file and the error log of serve (issue 19; docs/operations.md
# "Configuration" and "Logs"): dist/motcua.conf, adjusted to loopback and temporary paths, starts
# a server whose every value comes from the file, relative paths taken from the file's folder;
# the command line wins over the file; each kind of mistake in the file is exit 2 with its exact
# FILE:LINE:COL message and nothing started; a file its group or others can write is refused;
# --log-level drops what is below it, --error-log writes to a file; at debug, no token, citizen
# identifier, name or searched text reaches a log; a PostgreSQL store named in the file, and its
# outage under the server: a request's 503 and the scheduler's error, one line each. Prints TAP
# lines; run by tools/run-tests.sh as  bash tests/config.sh MOTCUA
set -u
bin=${1:?usage: config.sh MOTCUA}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac # the servers below run from another folder
tmp=$(mktemp -d)
pids=()
pgdir=""
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    [ -n "$pgdir" ] && bash tools/pg-cluster.sh stop "$pgdir" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/tap.sh"
for tool in curl python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "not ok 1 - config: $tool is not installed"
        echo "1..1"
        exit 1
    fi
done
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
umask 022
etc=$tmp/etc
mkdir -p "$etc"
# The fixture catalogue, with a field of its own, so that a run on another catalogue shows.
cp -r tests/fixtures/cli-catalogue "$etc/cat"
sed -i 's|^\(    field parents-married .*\)$|\1\n    field witness-name { type text; title "Witness" }|' \
    "$etc/cat/procedures/civil-status/birth-registration.proc"
printf 'clerk-secret-0123456789\n' | "$bin" token add --tokens "$etc/tokens" --actor lan --roles clerk \
    --agency commune-committee --secret-stdin 2>/dev/null
lan=clerk-secret-0123456789

# start NAME OUT ERR ARGS…: starts serve from / (so that only the file can say where things are),
# sets pid and port (empty when it did not say where it listens within 5 s).
start() {
    local out=$1 err=$2
    shift 2
    : >"$out"
    (cd / && exec "$bin" serve "$@") >"$out" 2>"$err" &
    pid=$!
    pids+=("$pid")
    port=""
    for _ in $(seq 50); do
        port=$(sed -n 's|^motcua: serving http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$out")
        [ -n "$port" ] && return 0
        sleep 0.1
    done
}
# hup FILE PATTERN: SIGHUP to $pid, then waits up to 5 s for a line matching PATTERN in FILE.
hup() {
    kill -HUP "$pid"
    for _ in $(seq 50); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
stop() {
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

# ---- dist/motcua.conf, as shipped but for its addresses and paths ----
mport=$(free_port)
sed -e 's|^listen .*|listen 127.0.0.1:0|' -e 's|^db .*|db "the store.db"|' -e 's|^tokens .*|tokens tokens|' \
    -e 's|^catalogue /usr/local.*|catalogue cat|' -e "s|^metrics-listen .*|metrics-listen 127.0.0.1:$mport|" \
    -e 's|^# error-log /.*|error-log error.log|' -e 's|^# access-log /.*|access-log access.log|' \
    dist/motcua.conf >"$etc/motcua.conf"
keys() { grep -v '^#' "$1" | awk 'NF { print $1 }' | sort | tr '\n' ' '; }
[ "$(keys "$etc/motcua.conf")" = "$( (keys dist/motcua.conf; echo access-log error-log) | tr ' ' '\n' | grep . | sort | tr '\n' ' ')" ] &&
    ok "the test's copy of dist/motcua.conf has its keys and the two logs" ||
    fail "the test's copy of dist/motcua.conf has its keys and the two logs" "$(diff dist/motcua.conf "$etc/motcua.conf")"
start "$tmp/a.out" "$tmp/a.err" --config "$etc/motcua.conf"
if [ -n "$port" ]; then
    ok "serve --config dist/motcua.conf (adjusted) starts"
else
    fail "serve --config dist/motcua.conf (adjusted) starts" "$(cat "$tmp/a.out" "$tmp/a.err")"
    echo "1..$n"
    exit 1
fi
s=$(curl -s -o "$tmp/r" -w '%{http_code}' -H "Authorization: Bearer $lan" "http://127.0.0.1:$port/api/whoami")
s2=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/metrics")
[ "$s" = 200 ] && [ "$s2" = 200 ] && [ -f "$etc/the store.db" ] && grep -q '"route":"GET /api/whoami"' "$etc/access.log" &&
    ok "the file's tokens, store (a quoted name), metrics-listen and access-log are used, relative to its folder" ||
    fail "the file's tokens, store (a quoted name), metrics-listen and access-log are used, relative to its folder" \
        "whoami $s, metrics $s2" "$(ls "$etc")" "$(cat "$tmp/a.err")"
hup "$etc/error.log" ' info catalogue reloaded' &&
    grep -qE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z info tokens reloaded from $etc/tokens: 1 token$" "$etc/error.log" &&
    ok "error-log: the reload's line, TIME LEVEL MESSAGE, in the file" ||
    fail "error-log: the reload's line, TIME LEVEL MESSAGE, in the file" "$(cat "$etc/error.log" "$tmp/a.err")"
# logrotate's way: the files moved away, then SIGHUP; the lines go to new files at the same paths.
mv "$etc/error.log" "$etc/error.log.1"
mv "$etc/access.log" "$etc/access.log.1"
# (A SIGHUP's lines: the tokens', then the catalogue's, reloaded last.)
hup "$etc/error.log" ' info catalogue reloaded' &&
    curl -s -o /dev/null -H "Authorization: Bearer $lan" "http://127.0.0.1:$port/api/whoami" &&
    [ "$(grep -c . "$etc/access.log")" = 1 ] && [ "$(grep -c . "$etc/error.log")" = 2 ] &&
    [ "$(grep -c . "$etc/error.log.1")" = 2 ] && [ "$(grep -c . "$etc/access.log.1")" = 2 ] &&
    ok "SIGHUP reopens the error and access logs at their paths (logrotate without copytruncate)" ||
    fail "SIGHUP reopens the error and access logs at their paths (logrotate without copytruncate)" \
        "$(ls -l "$etc")" "$(cat "$etc"/error.log*)"
cat "$etc/error.log.1" >>"$etc/error.log"
! grep -q ' debug ' "$etc/error.log" && [ ! -s "$tmp/a.err" ] &&
    ok "log-level info: no debug line; nothing on stderr when both logs are files" ||
    fail "log-level info: no debug line; nothing on stderr when both logs are files" "$(cat "$etc/error.log" "$tmp/a.err")"
stop

# ---- the command line wins ----
start "$tmp/b.out" "$tmp/b.err" --config "$etc/motcua.conf" --db "$tmp/cli.db" --log-level error \
    --error-log "$tmp/cli-error.log" --catalogue "$PWD/tests/fixtures/cli-catalogue" --listen 127.0.0.1:0
rm -f "$etc/the store.db"*
[ -n "$port" ] && [ -f "$tmp/cli.db" ] && [ ! -f "$etc/the store.db" ] &&
    ok "--db on the command line wins over the file's db" ||
    fail "--db on the command line wins over the file's db" "$(cat "$tmp/b.out" "$tmp/b.err")"
kill -HUP "$pid"
sleep 0.5
cp "$etc/tokens" "$tmp/tokens.good"
echo "blake2b:00 broken" >>"$etc/tokens"
hup "$tmp/cli-error.log" ' error tokens not reloaded' &&
    [ "$(wc -l <"$tmp/cli-error.log")" = 1 ] && [ ! -s "$etc/error.log.b" ] &&
    ok "--log-level error over the file's info: a good reload says nothing, a failed one its error line" ||
    fail "--log-level error over the file's info: a good reload says nothing, a failed one its error line" "$(cat "$tmp/cli-error.log")"
cp "$tmp/tokens.good" "$etc/tokens"
s=$(curl -s -o "$tmp/r" -w '%{http_code}' -H "Authorization: Bearer $lan" -X POST -H 'Content-Type: application/json' \
    --data-binary '{"procedure":"birth-registration","fields":{"citizen-id":"079203001234","witness-name":"x"}}' \
    "http://127.0.0.1:$port/api/dossiers")
[ "$s" = 422 ] && grep -q "witness-name" "$tmp/r" &&
    ok "--catalogue on the command line replaces the file's layers (its field witness-name unknown)" ||
    fail "--catalogue on the command line replaces the file's layers (its field witness-name unknown)" "status $s" "$(cat "$tmp/r")"
stop

# ---- mistakes in the file: exit 2, FILE:LINE:COL, nothing started ----
# bad NAME TEXT MESSAGE: a file of TEXT (after a line setting db) gives MESSAGE first, exit 2,
# nothing on stdout and no store made.
bad() {
    local name=$1 text=$2 want=$3
    printf 'db never.db\n%b' "$text" >"$etc/bad.conf"
    chmod 600 "$etc/bad.conf"
    (cd "$etc" && "$bin" serve --config bad.conf --tokens tokens) >"$tmp/o" 2>"$tmp/e"
    local rc=$?
    local first
    first=$(head -1 "$tmp/e")
    if [ "$rc" = 2 ] && [ "$first" = "$want" ] && [ ! -s "$tmp/o" ] && [ ! -e "$etc/never.db" ] &&
        [ "$(tail -1 "$tmp/e")" = "motcua: bad.conf: 1 error: nothing started" ]; then
        ok "$name"
    else
        fail "$name" "exit $rc" "want: $want" "$(cat "$tmp/o" "$tmp/e")"
    fi
}
bad "an unknown key, with the nearest one" 'lisen 127.0.0.1:8080\n' \
    "bad.conf:2:1: error: unknown key 'lisen' (did you mean 'listen'?)"
bad "an unknown key with nothing near" 'colour blue\n' "bad.conf:2:1: error: unknown key 'colour'"
bad "config is not a key of the file" 'config other.conf\n' "bad.conf:2:1: error: unknown key 'config'"
bad "a key without a value" 'tokens\n' "bad.conf:2:1: error: 'tokens' needs a value"
bad "an empty value" 'tokens ""\n' "bad.conf:2:8: error: 'tokens' needs a value, not an empty one"
bad "a key with two values" 'access-log /var/log/a b\n' \
    "bad.conf:2:23: error: 'access-log' takes one value (quote a value that holds spaces)"
bad "a key other than catalogue twice" 'log-level info\n# again\nlog-level  debug\n' \
    "bad.conf:4:1: error: 'log-level' is already set on line 2"
bad "a port out of range" 'listen 127.0.0.1:65536\n' \
    "bad.conf:2:8: error: 'listen' takes ADDRESS:PORT, an IPv4 address or an IPv6 one in brackets (127.0.0.1:8080, [::1]:8080), not '127.0.0.1:65536'"
bad "a host name for metrics-listen" '   metrics-listen localhost:9464 # no\n' \
    "bad.conf:2:19: error: 'metrics-listen' takes ADDRESS:PORT, an IPv4 address or an IPv6 one in brackets (127.0.0.1:8080, [::1]:8080), not 'localhost:9464'"
bad "a flag neither yes nor no" 'no-timers true\n' "bad.conf:2:11: error: 'no-timers' takes yes or no, not 'true'"
bad "an unknown log level" 'log-level verbose\n' \
    "bad.conf:2:11: error: 'log-level' takes error, warn, info or debug, not 'verbose'"
bad "a rule limit out of range" 'rule-memory 1G\n' \
    "bad.conf:2:13: error: 'rule-memory' takes a size from 64K to 4096M, not '1G'"
bad "a malformed now" 'now 2025-13-01T09:00\n' \
    "bad.conf:2:5: error: 'now' takes a date and time YYYY-MM-DDTHH:MM, not '2025-13-01T09:00'"
bad "a brace" 'listen { 127.0.0.1:8080 }\n' "bad.conf:2:8: error: unexpected '{' (quote a value that holds it)"
bad "a bad escape in a string (the lexer's message)" 'tokens "a\\qb"\n' \
    'bad.conf:2:10: error: invalid escape '"'"'\q'"'"' (use \", \\, \n, \t or \u{HEX})'
bad "a misspelt db" 'db2 x\n' "bad.conf:2:1: error: unknown key 'db2' (did you mean 'db'?)"
# registry blocks (issue 20, docs/registries.md): the live registries' endpoints
bad "a misspelt key in a registry block" 'registry cs {\n  urll "https://x/"\n}\n' \
    "bad.conf:3:3: error: unknown key 'urll' in a registry block (did you mean 'url'?)"
bad "a registry block without url" 'registry cs {\n  timeout 100\n}\n' "bad.conf:4:1: error: registry 'cs' has no 'url'"
bad "a registry asked in clear" 'registry cs {\n  url "http://x/"\n}\n' \
    "bad.conf:3:7: error: 'url' takes an https:// address (a look-up carries personal data), not 'http://x/'"
bad "a timeout of 0" 'registry cs { url "https://x/"\n  timeout 0 }\n' \
    "bad.conf:3:11: error: 'timeout' takes milliseconds from 1 to 600000, not '0'"
bad "a breaker that never opens" 'registry cs { url "https://x/"\n  breaker-failures 0 }\n' \
    "bad.conf:3:20: error: 'breaker-failures' takes a number from 1 to 1000, not '0'"
bad "a breaker open for more than an hour" 'registry cs { url "https://x/"\n  breaker-open 3600001 }\n' \
    "bad.conf:3:16: error: 'breaker-open' takes milliseconds from 1 to 3600000, not '3600001'"
bad "a misspelt breaker key" 'registry cs { url "https://x/"\n  breaker-failure 3 }\n' \
    "bad.conf:3:3: error: unknown key 'breaker-failure' in a registry block (did you mean 'breaker-failures'?)"
bad "a certificate file that cannot be read" 'registry cs { url "https://x/"; ca nosuch.pem }\n' \
    "bad.conf:2:36: error: 'ca' names a file that cannot be read: nosuch.pem"
bad "a client certificate without its key" 'registry cs { url "https://x/"\n  cert tokens\n}\n' \
    "bad.conf:4:1: error: registry 'cs' has a 'cert' without its 'key'"
bad "a registry configured twice" 'registry cs { url "https://x/" }\nregistry cs { url "https://y/" }\n' \
    "bad.conf:3:10: error: registry 'cs' is already configured on line 2"
bad "a registry block not closed" 'registry cs {\n  url "https://x/"\n' "bad.conf:2:10: error: registry 'cs' has no closing '}'"
bad "a registry block without a name" 'registry {\n' "bad.conf:2:10: error: a registry block is 'registry NAME {'"
: >"$etc/open.key"
chmod 644 "$etc/open.key"
bad "a private key others can read" 'registry cs { url "https://x/"; cert tokens; key open.key }\n' \
    "bad.conf:2:50: error: 'key' names a private key others can read or its group write: chmod 600 open.key"
printf 'db "host=/tmp dbname=motcua password=hunter2"\n' >"$etc/pw.conf"
chmod 600 "$etc/pw.conf"
"$bin" serve --config "$etc/pw.conf" >"$tmp/o" 2>"$tmp/e"
rc=$?
[ "$rc" = 2 ] && ! grep -q hunter2 "$tmp/e" &&
    grep -qx "$etc/pw.conf:1:4: error: 'db' takes a connection string without a password (keep it in a password file, PGPASSFILE or ~/.pgpass: docs/operations.md)" "$tmp/e" &&
    ok "a password in the connection string: refused, and not repeated in the message" ||
    fail "a password in the connection string: refused, and not repeated in the message" "exit $rc" "$(cat "$tmp/e")"
printf 'lisen 1\ndb a b\nlog-level x\n' >"$etc/many.conf"
chmod 600 "$etc/many.conf"
"$bin" serve --config "$etc/many.conf" --tokens "$etc/tokens" >"$tmp/o" 2>"$tmp/e"
rc=$?
[ "$rc" = 2 ] && [ "$(grep -c ': error: ' "$tmp/e")" = 3 ] && grep -qx "motcua: $etc/many.conf: 3 errors: nothing started" "$tmp/e" &&
    ok "every mistake of the file is reported, not only the first" || fail "every mistake of the file is reported, not only the first" "exit $rc" "$(cat "$tmp/e")"

# ---- the file itself ----
cp "$etc/motcua.conf" "$etc/open.conf"
for mode in 620 602; do
    chmod "$mode" "$etc/open.conf"
    "$bin" serve --config "$etc/open.conf" >"$tmp/o" 2>"$tmp/e"
    rc=$?
    [ "$rc" = 2 ] && [ ! -s "$tmp/o" ] &&
        [ "$(cat "$tmp/e")" = "motcua: $etc/open.conf can be written by group or others, who could change what serve runs: chmod 600 $etc/open.conf" ] &&
        ok "a configuration file of mode $mode: refused, exit 2" || fail "a configuration file of mode $mode: refused, exit 2" "exit $rc" "$(cat "$tmp/e")"
done
"$bin" serve --config "$tmp/none.conf" >"$tmp/o" 2>"$tmp/e"
rc=$?
[ "$rc" = 3 ] && [ "$(cat "$tmp/e")" = "motcua: cannot read $tmp/none.conf: No such file or directory" ] &&
    ok "a missing configuration file: exit 3" || fail "a missing configuration file: exit 3" "exit $rc" "$(cat "$tmp/e")"
"$bin" serve --config "$etc" >"$tmp/o" 2>"$tmp/e"
rc=$?
[ "$rc" = 3 ] && [ "$(cat "$tmp/e")" = "motcua: cannot read $etc: not a regular file" ] &&
    ok "a folder as configuration: exit 3" || fail "a folder as configuration: exit 3" "exit $rc" "$(cat "$tmp/e")"
"$bin" list --config "$etc/motcua.conf" >"$tmp/o" 2>"$tmp/e"
rc=$?
[ "$rc" = 2 ] && grep -q "^motcua: list does not take --config; " "$tmp/e" &&
    ok "--config is serve's alone" || fail "--config is serve's alone" "exit $rc" "$(cat "$tmp/e")"
"$bin" serve --tokens "$etc/tokens" --log-level loud >"$tmp/o" 2>"$tmp/e"
rc=$?
[ "$rc" = 2 ] && [ "$(cat "$tmp/e")" = "motcua: --log-level takes error, warn, info or debug, not 'loud' (see 'motcua help')" ] &&
    ok "--log-level loud: exit 2" || fail "--log-level loud: exit 2" "exit $rc" "$(cat "$tmp/e")"
"$bin" serve --tokens "$etc/tokens" --db "$tmp/x.db" --catalogue tests/fixtures/cli-catalogue \
    --error-log "$tmp/no/such/dir/e.log" >"$tmp/o" 2>"$tmp/e"
rc=$?
[ "$rc" = 3 ] && [ "$(cat "$tmp/e")" = "motcua: cannot open the error log $tmp/no/such/dir/e.log: No such file or directory" ] &&
    ok "an error log that cannot be opened: exit 3" || fail "an error log that cannot be opened: exit 3" "exit $rc" "$(cat "$tmp/e")"
"$bin" serve --tokens "$etc/tokens" --trusted-proxy nope --error-log "$tmp/proxy-e.log" >"$tmp/o" 2>"$tmp/e"
rc=$?
[ "$rc" = 2 ] && [ "$(cat "$tmp/e")" = "motcua: --trusted-proxy takes an IPv4 or IPv6 address, not 'nope' (see 'motcua help')" ] &&
    [ ! -e "$tmp/proxy-e.log" ] &&
    ok "a wrong --trusted-proxy is a usage error before anything is opened (no error log made)" ||
    fail "a wrong --trusted-proxy is a usage error before anything is opened (no error log made)" "exit $rc" "$(cat "$tmp/e")" "$(ls "$tmp")"

# ---- at debug, nothing personal in any log ----
cccd=079203005678
name='Nguyễn Văn Tèo'
printf 'listen 127.0.0.1:0\ndb d.db\ntokens tokens\ncatalogue cat\nlog-level debug\nnow 2025-07-14T09:00\n' >"$etc/debug.conf"
chmod 600 "$etc/debug.conf"
start "$tmp/d.out" "$tmp/d.err" --config "$etc/debug.conf" --access-log "$tmp/d.access"
body="{\"procedure\":\"birth-registration\",\"fields\":{\"citizen-id\":\"$cccd\",\"full-name\":\"$name\",\"parents-married\":false},\"attach\":[\"birth-notice\",\"citizen-identity\"]}"
s=$(curl -s -o "$tmp/r" -w '%{http_code}' -H "Authorization: Bearer $lan" -X POST -H 'Content-Type: application/json' \
    --data-binary "$body" "http://127.0.0.1:$port/api/dossiers")
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/r" 2>/dev/null)
s2=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $lan" "http://127.0.0.1:$port/api/dossiers?subject=$cccd")
s3=$(curl -s -o /dev/null -w '%{http_code}' -G -H "Authorization: Bearer $lan" --data-urlencode "q=Tèo" "http://127.0.0.1:$port/api/dossiers")
s4=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $lan" "http://127.0.0.1:$port/api/dossiers/$id")
s5=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong-$cccd" "http://127.0.0.1:$port/api/whoami")
hup "$tmp/d.err" ' info tokens reloaded' || true
stop
[ "$s" = 201 ] && [ "$s2" = 200 ] && [ "$s3" = 200 ] && [ "$s4" = 200 ] && [ "$s5" = 401 ] &&
    grep -q ' debug SIGHUP: reloading$' "$tmp/d.err" && grep -q ' debug options read from ' "$tmp/d.err" &&
    [ "$(grep -c . "$tmp/d.access")" -ge 5 ] &&
    ok "log-level debug: a dossier with a name filed, searched by subject and name, read; debug lines written" ||
    fail "log-level debug: a dossier with a name filed, searched by subject and name, read; debug lines written" \
        "$s $s2 $s3 $s4 $s5" "$(cat "$tmp/r" "$tmp/d.err")"
found=""
for needle in "$cccd" "$name" "Nguy" "Tèo" "Teo" "$lan" "wrong-" "Bearer" "hunter2"; do
    for f in "$tmp/d.out" "$tmp/d.err" "$tmp/d.access" "$etc/error.log" "$etc/access.log" "$tmp/cli-error.log"; do
        grep -qF -- "$needle" "$f" && found="$found $needle in $f;"
    done
done
[ -z "$found" ] && ok "no identifier, name, searched text or token in the access log, the error log or stdout" ||
    fail "no identifier, name, searched text or token in the access log, the error log or stdout" "$found"

# ---- a PostgreSQL store from the file, and an outage in the error log ----
if ! out=$(bash tools/pg-cluster.sh start 2>&1); then
    fail "a PostgreSQL cluster for the store starts" "$out"
else
    pgdir=$(printf '%s\n' "$out" | sed -n 1p)
    conn=$(printf '%s\n' "$out" | sed -n 2p)
    printf 'listen 127.0.0.1:0\ndb "%s"\ntokens tokens\ncatalogue cat\nlog-level warn\n' "$conn" >"$etc/pg.conf"
    chmod 600 "$etc/pg.conf"
    start "$tmp/p.out" "$tmp/p.err" --config "$etc/pg.conf"
    s=$(curl -s -o "$tmp/r" -w '%{http_code}' -H "Authorization: Bearer $lan" -X POST -H 'Content-Type: application/json' \
        --data-binary "$body" "http://127.0.0.1:$port/api/dossiers")
    [ -n "$port" ] && [ "$s" = 201 ] && ok "db: a PostgreSQL connection string, quoted in the file" ||
        fail "db: a PostgreSQL connection string, quoted in the file" "status $s" "$(cat "$tmp/p.err" "$tmp/r")"
    bash tools/pg-cluster.sh pause "$pgdir"
    s=$(curl -s -o "$tmp/r" -w '%{http_code}' -H "Authorization: Bearer $lan" "http://127.0.0.1:$port/api/dossiers/1")
    for _ in $(seq 30); do
        grep -q ' error timers: ' "$tmp/p.err" && break
        sleep 0.1
    done
    [ "$s" = 503 ] &&
        grep -qE '^[0-9T:.-]*Z warn request [0-9a-f]{16}: GET /api/dossiers/\{id\} answered 503: store: ' "$tmp/p.err" &&
        [ "$(grep -c ' error timers: store: ' "$tmp/p.err")" = 1 ] &&
        ok "the database down: the 503's line (warn, request id, route, why) and the scheduler's (error), once" ||
        fail "the database down: the 503's line (warn, request id, route, why) and the scheduler's (error), once" \
            "status $s" "$(cat "$tmp/p.err")"
    bash tools/pg-cluster.sh resume "$pgdir"
    for _ in $(seq 50); do
        grep -q ' timers: the store answers again' "$tmp/p.err" && break
        sleep 0.1
    done
    stop
    ! grep -q ' info \| debug ' "$tmp/p.err" && ! grep -qF -e "$cccd" -e "Tèo" -e "$lan" "$tmp/p.err" "$tmp/p.out" &&
        ok "log-level warn: the store answering again (info) is not written; nothing personal" ||
        fail "log-level warn: the store answering again (info) is not written; nothing personal" "$(cat "$tmp/p.err")"
    bash tools/pg-cluster.sh stop "$pgdir" >/dev/null 2>&1
    pgdir=""
fi

echo "1..$n"
