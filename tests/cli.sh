#!/usr/bin/env bash
# Command-line tests of `motcua lint`, `graph` and `help`, the dossier commands, `cost` and
# `report` and their pages: exit statuses, output streams, JSON.
# Prints TAP lines ("ok N - name" / "not ok N - name"); run by tools/run-tests.sh as
#   bash tests/cli.sh BUILD/motcua
# and again in its PostgreSQL pass with MC_TEST_PG naming the test database: every store is
# then a schema of that database of its own, and the tampering goes through psql. Left out of
# that pass, being about the SQLite file itself: a store file that does not exist, and a full
# disk under the file (tmpfs).
set -u
bin=${1:?usage: cli.sh MOTCUA}
# A catalogue of the tests' own, so that the bundled one may grow without breaking them.
cat=tests/fixtures/cli-catalogue
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
on_tmpfs() { # on_tmpfs NAME FUNCTION : FUNCTION prints pass, skip (no tmpfs) or fail: WHY
    n=$((n + 1))
    local result
    result=$("$2")
    case "$result" in
    pass) echo "ok $n - $1" ;;
    skip) echo "ok $n - $1 # SKIP cannot mount a tmpfs" ;;
    *) echo "not ok $n - $1"; echo "# $result" ;;
    esac
}
# The stores: SQLite files, or with MC_TEST_PG a schema each of the test database.
pg=${MC_TEST_PG:-}
store() { # store NAME : the --db of a new, empty store (NAME of [a-z0-9_]: a PostgreSQL schema's)
    if ! [[ "$1" =~ ^[a-z0-9_]+$ ]]; then
        echo "not ok - the store name '$1' is not of [a-z0-9_] (a schema's on PostgreSQL)" >&2
    fi
    if [ -n "$pg" ]; then
        psql -X -q -d "$pg" -c "CREATE SCHEMA cli_$$_$1" >/dev/null || exit 1
        echo "$pg options='-csearch_path=cli_$$_$1'"
    else
        echo "$tmp/$1.db"
    fi
}
# sql DB STATEMENTS : runs SQL on a store behind motcua's back, as someone with the database's
# keys would, its append-only triggers out of the way (on PostgreSQL as the superuser, triggers
# off for the session; on SQLite dropped); prints rows as a|b.
# 32 zero bytes, in the store's SQL
if [ -n "$pg" ]; then zeros="decode(repeat('00', 32), 'hex')"; else zeros="zeroblob(32)"; fi
sql() {
    if [ -n "$pg" ]; then
        psql -X -qAt -v ON_ERROR_STOP=1 -d "$1 user=postgres" \
            -c "SET session_replication_role = replica" -c "$2"
    else
        sqlite3 "$1" "$(sqlite3 "$1" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type = 'trigger'") $2"
    fi
}
status() { # status WANT CMD… : exit status of CMD is WANT
    local want=$1
    shift
    "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    local got=$?
    [ "$got" -eq "$want" ] || { echo "exit $got, expected $want" >&2; cat "$tmp/stderr" >&2; return 1; }
}

mkdir -p "$tmp/bad/procedures" "$tmp/warn/procedures" "$tmp/empty"
printf 'role clerk\nlifecycle l {\n  state a { initial; on go -> b by clerk }\n  state b { final }\n  state c { final }\n}\n' >"$tmp/warn/procedures/w.proc"
printf 'role clerk\nrole clerk\n' >"$tmp/bad/procedures/b.proc"

check "lint of the test catalogue exits 0" status 0 "$bin" lint --catalogue "$cat"
check "lint summary names what the catalogue holds" \
    bash -c "'$bin' lint --catalogue '$cat' | grep -q '^lint: [0-9]* procedure.*: 0 errors'"
check "warnings only: exit 0" status 0 "$bin" lint --catalogue "$tmp/warn"
check "a warning is printed on stderr with its location" \
    bash -c "'$bin' lint --catalogue '$tmp/warn' 2>&1 >/dev/null | grep -q '^$tmp/warn/procedures/w.proc:5:9: warning\[unreachable-state\]: state .c. is unreachable'"
check "errors: exit 1" status 1 "$bin" lint --catalogue "$tmp/bad"
check "the error shows the source line and a caret" \
    bash -c "'$bin' lint '$tmp/bad/procedures/b.proc' 2>&1 | grep -A2 'duplicate role' | tail -1 | grep -q '^         ^~~~~$'"
check "lint of one file path" status 1 "$bin" lint "$tmp/bad/procedures/b.proc"
check "a missing catalogue is an i/o error: exit 3" status 3 "$bin" lint --catalogue "$tmp/empty"
check "an unknown option is a usage error: exit 2" status 2 "$bin" lint --bogus
check "an unknown command is a usage error: exit 2" status 2 "$bin" frobnicate
check "--format takes text or json" status 2 "$bin" lint --format xml
check "json: one object per diagnostic" \
    bash -c "'$bin' lint --format json --catalogue '$tmp/bad' | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"errors\"]==1 and d[\"diagnostics\"][0][\"line\"]==2 and d[\"diagnostics\"][0][\"column\"]==6 and d[\"summary\"] is None, d'"
check "json: the summary of a clean catalogue" \
    bash -c "'$bin' lint --format json --catalogue '$cat' | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"errors\"]==0 and d[\"summary\"][\"procedures\"]>=1, d'"
check "graph prints DOT with the initial arrow and a dashed timer" \
    bash -c "'$bin' graph birth-registration --date 2025-07-01 > '$tmp/g.dot' && grep -q '__start -> \"submitted\"' '$tmp/g.dot' && grep -q 'style=dashed, label=\"after 30d\"' '$tmp/g.dot'"
check "graph output is valid for Graphviz" \
    bash -c "! command -v dot >/dev/null || '$bin' graph birth-registration --date 2025-07-01 | dot -Tsvg >/dev/null"
check "graph refuses a date before every version: exit 1" status 1 "$bin" graph birth-registration --date 2020-01-01
check "graph of an unknown procedure: exit 1" status 1 "$bin" graph no-such-procedure
check "graph takes the date of --now" status 1 "$bin" graph birth-registration --now 2020-01-01T09:00
check "help lists lint and graph" bash -c "'$bin' help | grep -q 'lint' && '$bin' help graph | grep -q 'usage: motcua graph'"
mkdir -p "$tmp/lua/procedures" "$tmp/lua/rules"
printf 'role clerk\nprocedure p {\n  fee rule civil.fee\n  state a { initial; on go -> b by clerk when rule civil.complet }\n  state b { final }\n}\n' >"$tmp/lua/procedures/p.proc"
printf 'function fee(d) return 0 end\nfunction complete(d) return true end\n' >"$tmp/lua/rules/civil.lua"
printf 'function broken(d)\n  return d.x +\nend\n' >"$tmp/lua/rules/bad.lua"
check "a Lua syntax error is a lint error at its line" \
    bash -c "'$bin' lint --catalogue '$tmp/lua' 2>&1 | grep -q '^$tmp/lua/rules/bad.lua:3:1: error: unexpected symbol near .end.'"
check "a misspelt rule function is a lint error with a suggestion" \
    bash -c "'$bin' lint --catalogue '$tmp/lua' 2>&1 | grep -q \"p.proc:4:58: error: unknown rule function 'complet' in module 'civil' (did you mean 'complete'?)\""
check "rule errors make lint exit 1" status 1 "$bin" lint --catalogue "$tmp/lua"
rm "$tmp/lua/rules/bad.lua"
sed -i 's/civil.complet /civil.complete /' "$tmp/lua/procedures/p.proc"
check "correct rules lint clean" status 0 "$bin" lint --catalogue "$tmp/lua"
check "--rule-steps rejects a tiny budget: exit 2" status 2 "$bin" lint --catalogue "$tmp/lua" --rule-steps 10
check "--rule-memory takes sizes with a suffix" status 0 "$bin" lint --catalogue "$tmp/lua" --rule-memory 16M
printf 'while true do end\n' >"$tmp/lua/rules/spin.lua"
check "a module that loops when it loads is stopped by the budget" \
    bash -c "'$bin' lint --catalogue '$tmp/lua' --rule-steps 5000 2>&1 | grep -q 'spin.lua:1:1: error: instruction budget exceeded (5000 steps)'"
check "a module that loops when it loads is stopped by --rule-time whatever its budget" \
    bash -c "'$bin' lint --catalogue '$tmp/lua' --rule-steps 100000000000 --rule-time 20 2>&1 | grep -q 'spin.lua:1:1: error: time limit exceeded (20 ms)'"
check "--rule-time rejects 0: exit 2" status 2 "$bin" lint --catalogue "$tmp/lua" --rule-time 0
check "--rule-time says what it takes" \
    bash -c "'$bin' lint --catalogue '$tmp/lua' --rule-time 0 2>&1 | grep -q \"^motcua: --rule-time takes milliseconds from 1 to 60000, not '0'\""
# The dossier commands on the bundled catalogue, and verify naming a tampered event.
db=$(store d)
run() { "$bin" "$@" --catalogue "$cat" --db "$db"; }
check "submit prints the dossier and its checklist" \
    bash -c "'$bin' submit birth-registration --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:00 --field citizen-id=001234567890 --field parents-married=true --attach birth-notice | grep -q '^    provided  birth-notice'"
check "fire moves the dossier and starts the clock" \
    bash -c "'$bin' fire 1 receive --as clerk --catalogue '$cat' --db \"$db\" --now 2025-07-03T10:00 | grep -q '^  due 2025-07-03T17:00'"
check "a refused fire exits 1 and says why on stderr" \
    bash -c "'$bin' fire 1 approve --as head --catalogue '$cat' --db \"$db\" --now 2025-07-03T11:00 2>&1 >/dev/null | grep -q '^motcua: refused (guard): '"
check "fire of an unknown dossier exits 1" status 1 run fire 99 receive --as clerk --now 2025-07-03T11:00
check "fire without --as is a usage error" status 2 run fire 1 receive --now 2025-07-03T11:00
check "history lists the refusal with its reason" \
    bash -c "'$bin' history 1 --catalogue '$cat' --db \"$db\" --now 2025-07-03T11:00 | grep -q 'blocked  head       fire refused (guard)'"
check "a refusal in json carries its message code and arguments" \
    bash -c "'$bin' fire 1 approve --as head --catalogue '$cat' --db \"$db\" --now 2025-07-03T11:00 --format json 2>/dev/null | python3 -c 'import json,sys; r=json.load(sys.stdin)[\"refused\"]; assert r[\"reason\"]==\"guard\" and r[\"code\"]==\"guard.false-reason\" and r[\"args\"][0]==\"approve\" and r[\"message\"]==\"\x27approve\x27 is not allowed now: \"+r[\"args\"][1], r'"
check "show --format json has the due instant" \
    bash -c "'$bin' show 1 --catalogue '$cat' --db \"$db\" --now 2025-07-03T11:00 --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"due\"]==\"2025-07-03T17:00\" and d[\"state\"]==\"processing\", d'"
check "list --overdue shows the dossier once it is past due" \
    bash -c "'$bin' list --overdue --catalogue '$cat' --db \"$db\" --now 2025-07-04T09:00 | grep -q 'OVERDUE'"
check "verify passes on an untouched store" status 0 "$bin" verify --db "$db"
# The event that received dossier 1 is made to say it approved it.
sql "$db" "UPDATE event SET body = replace(body, '\"receive\"', '\"approve\"') WHERE dossier = 1 AND kind = 'fire' AND body LIKE '%\"receive\"%'"
check "verify names the altered event and exits 1" \
    bash -c "'$bin' verify --db \"$db\" 2>&1 | grep 'verify failed: event .*dossier 1, fire.* was altered' >/dev/null && [ \${PIPESTATUS[0]} = 1 ]"

sdb=$(store states)
"$bin" submit birth-registration --catalogue "$cat" --db "$sdb" --now 2025-07-03T09:00 --field citizen-id=001234567890 >/dev/null
sql "$sdb" "UPDATE dossier SET state = 'returned' WHERE id = 1"
check "verify finds a dossier row changed behind the chain's back" \
    bash -c "'$bin' verify --db \"$sdb\" 2>&1 | grep -q \"verify failed: dossier 1: column state is 'returned' but its events say 'submitted'\""
# A store file that does not exist (SQLite only: a PostgreSQL store is a database that exists).
[ -z "$pg" ] && check "verify on a missing store is an error, not an empty store" status 3 "$bin" verify --db "$tmp/nothing.db"

# Tamper evidence (issue 14, item 6): every row is rebuilt from the chains, signed checkpoints
# catch what a chain alone cannot (truncation, a recomputed chain, wiped tables), and reads of
# personal data are in the access log.
db=$(store t)
tv() { "$bin" "$@" --catalogue "$cat" --db "$db"; }
tv submit birth-registration --now 2025-07-03T09:00 --field citizen-id=001234567890 --field parents-married=true --attach birth-notice >/dev/null
tv submit birth-registration --now 2025-07-03T09:05 --field citizen-id=001234567891 --request-id portal-1 >/dev/null
tv fire 1 receive --as clerk --now 2025-07-03T10:00 >/dev/null
printf 'document,subject,reference,issued\nmarriage-certificate,001234567890,CS-2019-0042,2019-05-01\n' >"$tmp/m.csv"
tv registry import civil-status "$tmp/m.csv" --now 2025-07-03T10:05 >/dev/null
check "keygen writes a secret key only its owner can read, and a public key" \
    bash -c "'$bin' keygen --out '$tmp/agency' | grep -q '^keygen: wrote $tmp/agency.key' && [ \"\$(stat -c %a '$tmp/agency.key')\" = 600 ] && grep -q '^motcua-ed25519-public [0-9a-f]\{64\}$' '$tmp/agency.pub'"
check "keygen never overwrites a key" \
    bash -c "! '$bin' keygen --out '$tmp/agency' 2>'$tmp/kerr' && grep -q 'agency.key: already exists; keygen never overwrites a key' '$tmp/kerr'"
check "keygen without --out is a usage error" status 2 "$bin" keygen
check "checkpoint prints the signed heads of every chain" \
    bash -c "'$bin' checkpoint --db \"$db\" --key '$tmp/agency.key' --now 2025-07-03T11:00 >'$tmp/cp' && grep -q '^chain events.00 1 ' '$tmp/cp' && grep -q '^chain events.01 2 ' '$tmp/cp' && grep -q '^chain events.02 1 ' '$tmp/cp' && grep -q '^chain records.12 1 ' '$tmp/cp' && grep -q '^chain requests.[0-9][0-9] 1 ' '$tmp/cp' && grep -q '^signature [0-9a-f]\{128\}$' '$tmp/cp'"
check "checkpoint with a public key instead of the secret one is a usage error" \
    status 2 "$bin" checkpoint --db "$db" --key "$tmp/agency.pub"
check "verify proves the store extends the checkpoint" \
    bash -c "'$bin' verify --db \"$db\" --checkpoint '$tmp/cp' --public-key '$tmp/agency.pub' | grep -q '^verify: the store extends the checkpoint of 2025-07-03T04:00:00Z$'"
check "--checkpoint without --public-key is a usage error" \
    status 2 "$bin" verify --db "$db" --checkpoint "$tmp/cp"
"$bin" keygen --out "$tmp/other" >/dev/null
check "a checkpoint checked with another agency's key fails with exit 1" \
    bash -c "'$bin' verify --db \"$db\" --checkpoint '$tmp/cp' --public-key '$tmp/other.pub' 2>&1 >/dev/null; [ \$? = 1 ] && '$bin' verify --db \"$db\" --checkpoint '$tmp/cp' --public-key '$tmp/other.pub' 2>&1 | grep -q 'verify failed: .*cp: the checkpoint was signed by key '"
sed 's/^chain events.01 2 /chain events.01 1 /' "$tmp/cp" >"$tmp/cp-edited"
check "a checkpoint changed after signing fails with exit 1" \
    bash -c "'$bin' verify --db \"$db\" --checkpoint '$tmp/cp-edited' --public-key '$tmp/agency.pub' 2>'$tmp/verr'; [ \$? = 1 ] && grep -q \"the checkpoint's signature does not verify: it was altered after it was signed\" '$tmp/verr'"
# Each attack on a copy of the store (SQLite's backup, or store copy into a new schema): what
# verify says alone, and with the checkpoint. EXPECTED is an extended regular expression.
attacks=0
attack() { # attack NAME SQL EXPECTED [checkpoint]
    attacks=$((attacks + 1))
    if [ -n "$pg" ]; then
        adb=$(store "a$attacks")
        "$bin" store copy --from "$db" --to "$adb" >/dev/null
    else
        adb="$tmp/a.db"
        rm -f "$adb" "$adb-wal" "$adb-shm"
        sqlite3 "$db" ".backup '$adb'"
    fi
    sql "$adb" "$2" >/dev/null
    if [ "${4:-}" = checkpoint ]; then
        check "$1" bash -c "'$bin' verify --db \"$adb\" --checkpoint '$tmp/cp' --public-key '$tmp/agency.pub' 2>'$tmp/aerr' >/dev/null; [ \$? = 1 ] && grep -qE \"verify failed: $3\" '$tmp/aerr'"
    else
        check "$1" bash -c "'$bin' verify --db \"$adb\" 2>'$tmp/aerr' >/dev/null; [ \$? = 1 ] && grep -qE \"verify failed: $3\" '$tmp/aerr'"
    fi
}
attack "verify finds a deleted dossier row" "DELETE FROM dossier WHERE id = 2" \
    "dossier 2 is gone, but 1 event records it: its row was deleted"
attack "verify finds a dossier given to another citizen" \
    "UPDATE dossier SET subject = '079099000001' WHERE id = 1" \
    "dossier 1: column subject is '079099000001' but its events say '001234567890'"
attack "verify finds a changed agency" "UPDATE dossier SET agency = 'elsewhere' WHERE id = 1" \
    "dossier 1: column agency is 'elsewhere' but its events say 'commune-committee'"
attack "verify finds changed fields" \
    "UPDATE dossier SET data = replace(data, '001234567890', '001234567899') WHERE id = 1" \
    "dossier 1: column data is '"
attack "verify finds a moved due date" "UPDATE dossier SET due = due + 86400 WHERE id = 1" \
    "dossier 1: column due is "
attack "verify finds a changed fee" "UPDATE dossier SET fee = 1 WHERE id = 1" \
    "dossier 1: column fee is 1 but its events say "
attack "verify finds a forged registry record" \
    "INSERT INTO record VALUES ('civil-status', 'marriage-certificate', '079099000001', 'CS-X', '2020-01-01')" \
    "registry record civil-status/marriage-certificate of 079099000001 is not in the records chain"
attack "verify finds a rewritten request id" \
    "UPDATE request SET result = replace(result, '\"dossier\":2', '\"dossier\":1')" \
    "request id 'role:9:applicant:portal-1': its stored result differs from its chain"
attack "verify finds a store with dossiers and no events" \
    "DELETE FROM event; DELETE FROM ledger_head WHERE chain LIKE 'events.%'" \
    "the store has 2 dossiers and no events: the event chain was wiped"
attack "the checkpoint finds wiped tables that verify alone cannot" \
    "DELETE FROM event; DELETE FROM chain_head; DELETE FROM dossier; DELETE FROM record; DELETE FROM request; DELETE FROM ledger; DELETE FROM ledger_head" \
    "the events.00 chain had 1 entry at the checkpoint of 2025-07-03T04:00:00Z, the store has 0: it was truncated" checkpoint
attack "the checkpoint finds the newest events cut off with their head moved back" \
    "DELETE FROM event WHERE part = 0; UPDATE ledger_head SET seq = 0, hash = $zeros WHERE chain = 'events.00'" \
    "the events.00 chain had 1 entry at the checkpoint of 2025-07-03T04:00:00Z, the store has 0: it was truncated" checkpoint
check "verify --format json lists every problem and says the checkpoint is not extended" \
    bash -c "'$bin' verify --db \"$adb\" --checkpoint '$tmp/cp' --public-key '$tmp/agency.pub' --format json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"intact\"] is False and len(d[\"problems\"])==1 and d[\"events\"]==3 and d[\"checkpoint\"][\"extended\"] is False, d'"
# The access log: reads of a citizen's data, listed by audit.
tv show 1 --now 2025-07-03T12:00 >/dev/null
tv history 1 --now 2025-07-03T12:01 >/dev/null
tv registry show 001234567890 --now 2025-07-03T12:02 >/dev/null
check "audit lists who read a citizen's data, oldest first" \
    bash -c "'$bin' audit --subject 001234567890 --db \"$db\" >'$tmp/audit' && [ \$(wc -l <'$tmp/audit') = 3 ] && sed -n 1p '$tmp/audit' | grep -q '^2025-07-03T05:00Z  .*cli show .*dossier 1$' && sed -n 3p '$tmp/audit' | grep -q 'cli registry show$'"
check "audit --format json gives each read" \
    bash -c "'$bin' audit --subject 001234567890 --db \"$db\" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [x[\"route\"] for x in d]==[\"cli show\",\"cli history\",\"cli registry show\"] and d[0][\"dossier\"]==1, d'"
check "audit of a citizen nobody read says so" \
    bash -c "'$bin' audit --subject 001234567891 --db \"$db\" | grep -q \"^audit: no reads of 001234567891's data are recorded$\""
check "audit without --subject is a usage error" status 2 "$bin" audit --db "$db"
check "reads do not add events to the dossier" \
    bash -c "[ \$('$bin' history 1 --catalogue '$cat' --db \"$db\" --now 2025-07-03T12:03 | grep -c . ) = \$('$bin' history 1 --catalogue '$cat' --db \"$db\" --now 2025-07-03T12:04 | grep -c . ) ]"
check "verify covers the access log" \
    bash -c "$(declare -f sql); pg=\"$pg\"; '$bin' verify --db \"$db\" | grep -q 'the store is intact' && sql \"$db\" \"DELETE FROM ledger WHERE chain = 'access.12' AND seq = 1\" && '$bin' verify --db \"$db\" 2>&1 | grep -q 'verify failed: entry 1 of access.12 is missing: the chain jumps from 0 to 2'"
# SPEC §11: several processes creating a new store at once all succeed (the schema version is
# read again under the write lock).
race() {
    local round i ok=1
    for round in 1 2 3; do
        if [ -n "$pg" ]; then
            rdb=$(store "race$round")
        else
            rdb="$tmp/race.db"
            rm -f "$rdb" "$rdb-wal" "$rdb-shm"
        fi
        for i in 1 2 3 4 5 6 7 8; do
            ("$bin" submit birth-registration --catalogue "$cat" --db "$rdb" --now 2025-07-03T09:00 --field citizen-id=00123456789$i >/dev/null 2>"$tmp/race.$i" || echo fail >>"$tmp/race.fail") &
        done
        wait
        [ -e "$tmp/race.fail" ] && { cat "$tmp"/race.[0-9] >&2; ok=0; rm -f "$tmp/race.fail"; }
        [ "$("$bin" list --catalogue "$cat" --db "$rdb" --now 2025-07-03T09:00 | grep -c .)" = 8 ] || ok=0
    done
    [ "$ok" = 1 ]
}
check "8 processes submitting to a new store at once all succeed (3 rounds)" race

# Once-only, end to end (SPEC §5).
db=$(store o)
odb=$db
oo() { "$bin" "$@" --catalogue "$cat" --db "$db"; }
printf 'document,subject,reference,issued\nmarriage-certificate,001234567890,CS-2019-0042,2019-05-01\n' >"$tmp/m.csv"
check "registry import loads the records" \
    bash -c "'$bin' registry import civil-status '$tmp/m.csv' --catalogue '$cat' --db \"$db\" | grep -q '^registry import: 1 record into civil-status$'"
printf 'document,subject,reference,issued\nmarriage-certificate,001,CS-9,2019-05-01\nbirth-certificat,002,CS-9,2019-02-30\n' >"$tmp/bad.csv"
check "a bad registry file imports nothing and names each problem" \
    bash -c "! '$bin' registry import civil-status '$tmp/bad.csv' --catalogue '$cat' --db \"$db\" 2>'$tmp/err' && grep -q 'bad.csv:3:1: error: unknown document .birth-certificat.' '$tmp/err' && grep -q 'bad.csv:3:22: error: duplicate reference .CS-9.' '$tmp/err' && grep -q 'nothing imported' '$tmp/err' && ! '$bin' registry show 001 --catalogue '$cat' --db \"$db\" | grep -q CS-9"
printf 'document,subject,reference,issued\nmarriage-certificate,009,CS-7,2019-05-01\nmarriage-certificate,009,CS-8,2020-05-01\nmarriage-certificate,010,CS-10,2025-07-04\n' >"$tmp/twice.csv"
check "a registry file with one record twice, or issued after --now, imports nothing (exit 1)" \
    status 1 "$bin" registry import civil-status "$tmp/twice.csv" --catalogue "$cat" --db "$db" --now 2025-07-03T09:00
check "the refused rows are named: the duplicate with its first line, the date after today" \
    bash -c "grep -q 'twice.csv:3:1: error: duplicate record: .marriage-certificate. of subject .009. is also at line 2' '$tmp/stderr' && grep -q 'twice.csv:4:32: error: issued date 2025-07-04 is after today (2025-07-03)' '$tmp/stderr' && ! '$bin' registry show 009 --catalogue '$cat' --db \"$db\" | grep -q CS-"
check "a held document is fetched, never asked" \
    bash -c "'$bin' submit birth-registration --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:00 --field citizen-id=001234567890 --field parents-married=true --attach birth-notice | grep -q 'fetched   marriage-certificate from civil-status (record CS-2019-0042)'"
check "asking for it by name is blocked" \
    bash -c "'$bin' fire 1 request-supplement --as clerk --documents marriage-certificate --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:30 2>&1 | grep -q 'refused (once-only): marriage-certificate is held by civil-status (record CS-2019-0042)'"
check "asking for it in a note, in Vietnamese, is blocked" \
    bash -c "'$bin' fire 1 request-supplement --as clerk --note 'Xin mang theo GIẤY CHỨNG NHẬN KẾT HÔN' --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:31 2>&1 | grep -q \"the note says 'GIẤY CHỨNG NHẬN KẾT HÔN'\""
check "show counts the blocked requests" \
    bash -c "'$bin' show 1 --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:32 | grep -q '2 requests refused by the once-only rule'"
check "the blocked requests are in the history" \
    bash -c "test \$('$bin' history 1 --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:32 | grep -c 'refused (once-only)') = 2"
# --lang vi (docs/cli.md, "Language"): the refusals, reasons and explanations in Vietnamese, from
# the message catalogue; dates and amounts as Vietnamese write them; English without it.
vi_held="chỉ cung cấp một lần: marriage-certificate đã có trong civil-status (bản ghi CS-2019-0042); không được yêu cầu người nộp hồ sơ cung cấp"
check "--lang vi: the once-only refusal in Vietnamese, byte for byte, exit 1" \
    bash -c "'$bin' fire 1 request-supplement --as clerk --documents marriage-certificate --lang vi --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:33 2>'$tmp/vi.err' >/dev/null; [ \$? = 1 ] && [ \"\$(cat '$tmp/vi.err')\" = 'motcua: bị từ chối (once-only): $vi_held' ]"
check "--lang vi --format json: the message in Vietnamese, its code and args as in English" \
    bash -c "'$bin' fire 1 request-supplement --as clerk --documents marriage-certificate --lang vi --format json --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:34 2>/dev/null | python3 -c 'import json,sys; r=json.load(sys.stdin)[\"refused\"]; assert r[\"message\"]==sys.argv[1] and r[\"code\"]==\"once-only.held\" and r[\"args\"]==[\"marriage-certificate\",\"civil-status\",\"CS-2019-0042\"], r' '$vi_held'"
check "--lang vi: the refusal in the history is said in Vietnamese from its recorded code" \
    bash -c "'$bin' history 1 --lang vi --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:35 | grep -F -q 'xử lý bị từ chối (once-only): $vi_held' && '$bin' history 1 --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:35 | grep -F -q 'fire refused (once-only): once-only: marriage-certificate is held by civil-status'"
check "--lang vi: show writes dates dd/mm/yyyy HH:mm and amounts in đồng" \
    bash -c "'$bin' show 1 --lang vi --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:35 >'$tmp/vi.out' && grep -qx '  tiếp nhận 03/07/2025 09:00, nộp tại bộ phận một cửa, số định danh người nộp 001234567890' '$tmp/vi.out' && grep -qx '  phí, lệ phí 0 đ' '$tmp/vi.out'"
check "--lang en says what no --lang says" \
    bash -c "diff <('$bin' show 1 --lang en --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:35) <('$bin' show 1 --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:35)"
check "--lang vi: explain says why in Vietnamese" \
    bash -c "'$bin' explain 1 marriage-certificate --lang vi --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:35 | grep -qx '    đã có trong cơ sở dữ liệu civil-status (bản ghi CS-2019-0042): không yêu cầu người nộp hồ sơ cung cấp'"
check "a language motcua does not speak is a usage error: exit 2" \
    status 2 "$bin" show 1 --lang fr --catalogue "$cat" --db "$db"
check "the usage error names the languages" \
    grep -qx "motcua: --lang takes vi or en, not 'fr' (see 'motcua help')" "$tmp/stderr"
check "--lang vi-VN is not a value of --lang: exit 2" status 2 "$bin" lint --lang vi-VN --catalogue "$cat"
check "every command takes --lang" status 0 "$bin" lint --lang vi --catalogue "$cat"
check "test --lang vi matches expect refused against the Vietnamese sentence" \
    status 0 "$bin" test tests/fixtures/scenarios-vi --catalogue . --lang vi
check "the same scenarios without --lang fail, quoting the English sentence" \
    bash -c "'$bin' test tests/fixtures/scenarios-vi --catalogue . >'$tmp/vi.test' 2>&1; [ \$? = 1 ] && grep -qF 'got: once-only: marriage-certificate is held by civil-status (record CS-2019-0042)' '$tmp/vi.test'"
# The commands' own words under --lang vi (issue 21): the layout from the message catalogue, the
# bundled catalogue's titles with the names in brackets, columns counted in characters.
vdb=$(store layout_vi)
lv() { "$bin" "$@" --catalogue . --db "$vdb"; }
lv submit birth-registration --field citizen-id=001234567890 --field parents-married=false --attach birth-notice --attach birth-declaration --now 2025-07-03T09:00 >/dev/null
lv fire 1 receive --as clerk --now 2025-07-03T09:10 >/dev/null
lv fire 1 assign --as clerk --now 2025-07-03T09:20 >/dev/null
lv fire 1 approve --as clerk --now 2025-07-03T09:25 2>/dev/null
lv submit judicial-record-certificate-extended --field person-id=001234567890 --field foreigner=false --channel online --now 2025-07-03T10:00 >/dev/null
lv fire 2 refuse-reception --as clerk --now 2025-07-03T11:00 >/dev/null
cat >"$tmp/vi-show" <<'END'
hồ sơ 1: Đăng ký khai sinh (birth-registration), trạng thái Đang xử lý (processing)
  tiếp nhận 03/07/2025 09:00, nộp tại bộ phận một cửa, số định danh người nộp 001234567890
  hạn trả kết quả 03/07/2025 17:00 — QUÁ HẠN
  phí, lệ phí 0 đ
  thành phần hồ sơ:
    đã nộp           Tờ khai đăng ký khai sinh (birth-declaration)
    đã nộp           Giấy chứng sinh (birth-notice)
    yêu cầu nộp      Thẻ căn cước, căn cước công dân (citizen-identity) — không tìm thấy trong population
END
check "--lang vi: show in the officers' words, the titles with the names, the statuses in a column" \
    bash -c "diff '$tmp/vi-show' <('$bin' show 1 --lang vi --catalogue . --db \"$vdb\" --now 2025-07-03T18:00)"
check "--lang vi: a closed dossier says its outcome and that it was on time" \
    bash -c "'$bin' show 2 --lang vi --catalogue . --db \"$vdb\" --now 2025-07-03T18:00 | head -1 | grep -qxF 'hồ sơ 2: Cấp Phiếu lý lịch tư pháp (cư trú nhiều nơi, ở nước ngoài, người nước ngoài) (judicial-record-certificate-extended), trạng thái Không tiếp nhận (not-received) — kết quả: từ chối, đúng hạn'"
check "the same show in English: the names, as before" \
    bash -c "'$bin' show 1 --catalogue . --db \"$vdb\" --now 2025-07-03T18:00 >'$tmp/en-show' && head -3 '$tmp/en-show' | diff - <(printf '%s\n' 'dossier 1: birth-registration, state processing' '  submitted 2025-07-03T09:00 by counter, subject 001234567890' '  due 2025-07-03T17:00 — OVERDUE') && grep -qxF '    asked     citizen-identity (not found in population)' '$tmp/en-show'"
check "in English a closed dossier's head as before: show with its outcome, explain without" \
    bash -c "'$bin' show 2 --catalogue . --db \"$vdb\" --now 2025-07-03T18:00 | head -1 | grep -qxF 'dossier 2: judicial-record-certificate-extended, state not-received (refused, on time)' && '$bin' explain 2 --catalogue . --db \"$vdb\" --now 2025-07-03T18:00 | head -1 | grep -qxF 'dossier 2: judicial-record-certificate-extended, state not-received'"
check "--lang vi: explain's head of a closed dossier has no outcome either" \
    bash -c "'$bin' explain 2 --lang vi --catalogue . --db \"$vdb\" --now 2025-07-03T18:00 | head -1 | grep -qxF 'hồ sơ 2: Cấp Phiếu lý lịch tư pháp (cư trú nhiều nơi, ở nước ngoài, người nước ngoài) (judicial-record-certificate-extended), trạng thái Không tiếp nhận (not-received)'"
cat >"$tmp/vi-list" <<'END'
     1  Đang xử lý                           Đăng ký khai sinh                        03/07/2025 17:00  QUÁ HẠN
     2  Không tiếp nhận                      Cấp Phiếu lý lịch tư pháp (cư trú nhiều… -
END
check "--lang vi: list gives the titles in columns, a title longer than its column cut with …" \
    bash -c "diff '$tmp/vi-list' <('$bin' list --lang vi --catalogue . --db \"$vdb\" --now 2025-07-03T18:00)"
check "--lang vi: list's columns line up in characters, not bytes (each row's due at its 87th character)" \
    bash -c "'$bin' list --lang vi --catalogue . --db \"$vdb\" --now 2025-07-03T18:00 | python3 -c 'import sys; c={l.index(\"03/07\") if \"03/07\" in l else l.rindex(\" -\")+1 for l in sys.stdin.read().splitlines()}; assert c=={86}, c'"
check "--lang vi: a page of list counts in Vietnamese, states by their titles" \
    bash -c "'$bin' list --limit 1 --lang vi --catalogue . --db \"$vdb\" --now 2025-07-03T18:00 | tail -1 | grep -qxF 'tổng cộng: 1 (1 quá hạn): Đang xử lý 1'"
cat >"$tmp/vi-history" <<'END'
03/07/2025 09:00  nộp         Người nộp hồ sơ                        -> Mới đăng ký (submitted)  [Law on Civil Status 2014, arts. 11, 15, 16]
03/07/2025 09:10  xử lý       Cán bộ, công chức tại Bộ phận Một cửa Tiếp nhận hồ sơ (receive) Mới đăng ký (submitted) -> Đã tiếp nhận (received)  [Law on Civil Status 2014, arts. 11, 15, 16]
03/07/2025 09:20  xử lý       Cán bộ, công chức tại Bộ phận Một cửa Chuyển xử lý (assign) Đã tiếp nhận (received) -> Đang xử lý (processing)  [Law on Civil Status 2014, arts. 11, 15, 16]
03/07/2025 09:25  từ chối     Cán bộ, công chức tại Bộ phận Một cửa xử lý bị từ chối (role): vai trò 'clerk' không được thực hiện 'approve' ở trạng thái 'processing' (vai trò được phép: head)  [Law on Civil Status 2014, arts. 11, 15, 16]
03/07/2025 17:00  quá hạn     Hệ thống                               [Law on Civil Status 2014, arts. 11, 15, 16]
END
check "--lang vi: history's kinds, roles, events and states in Vietnamese (after the event numbers)" \
    bash -c "diff '$tmp/vi-history' <('$bin' history 1 --lang vi --catalogue . --db \"$vdb\" --now 2025-07-03T18:00 | cut -c8-)"
check "the same history in English: the names, as before" \
    bash -c "'$bin' history 1 --catalogue . --db \"$vdb\" --now 2025-07-03T18:00 | cut -c8- | sed -n 2p | grep -qxF '2025-07-03T09:10  fire     clerk      receive submitted -> received  [Law on Civil Status 2014, arts. 11, 15, 16]'"
cat >"$tmp/vi-explain" <<'END'
hồ sơ 1: Đăng ký khai sinh (birth-registration), trạng thái Đang xử lý (processing)
  Giấy chứng sinh (birth-notice)
    luôn phải có
    người nộp hồ sơ đã cung cấp
    căn cứ pháp lý: Law on Civil Status 2014, art. 16(1)
END
check "--lang vi: explain's headings in Vietnamese" \
    bash -c "diff '$tmp/vi-explain' <('$bin' explain 1 birth-notice --lang vi --catalogue . --db \"$vdb\" --now 2025-07-03T18:00) && '$bin' explain 1 --lang vi --catalogue . --db \"$vdb\" --now 2025-07-03T18:00 | tail -2 | diff - <(printf '%s\n' '  phí, lệ phí' '    0 đ: tính theo quy tắc tính phí, lệ phí civil.birth_fee')"
check "--lang vi: explain of a document the procedure does not require fails (exit 1), in Vietnamese" \
    bash -c "'$bin' explain 1 passport --lang vi --catalogue . --db \"$vdb\" --now 2025-07-03T18:00 2>'$tmp/vi.err'; [ \$? = 1 ] && [ \"\$(cat '$tmp/vi.err')\" = \"motcua: thủ tục 'birth-registration' không yêu cầu giấy tờ 'passport'\" ]"
check "and in English as before" \
    bash -c "'$bin' explain 1 passport --catalogue . --db \"$vdb\" --now 2025-07-03T18:00 2>'$tmp/en.err'; [ \$? = 1 ] && [ \"\$(cat '$tmp/en.err')\" = \"motcua: procedure 'birth-registration' does not require 'passport'\" ]"
check "--lang vi: tick in Vietnamese" \
    bash -c "[ \"\$('$bin' tick --lang vi --catalogue . --db \"$vdb\" --now 2025-07-03T18:00)\" = 'cập nhật thời hạn: 0 hồ sơ thay đổi' ]"
check "--lang vi: a thing without a title is shown by its name alone (the test catalogue's states)" \
    bash -c "'$bin' show 1 --lang vi --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:35 | head -1 | grep -qxF 'hồ sơ 1: Đăng ký khai sinh (birth-registration), trạng thái submitted'"
check "a dispute makes it askable and records a correction ticket" \
    bash -c "$(declare -f sql); pg=\"$pg\"; '$bin' fire 1 receive --as clerk --dispute 'marriage-certificate=wrong spouse' --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:40 | grep -q 'asked     marriage-certificate (disputed by clerk: wrong spouse)' && [ \"\$(sql \"$db\" 'SELECT count(*) FROM ticket')\" = 1 ]"
check "after the dispute it may be requested" \
    bash -c "'$bin' fire 1 request-supplement --as clerk --documents marriage-certificate --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:50 | grep -q 'state awaiting-supplement'"
check "a registry miss falls back to asking" \
    bash -c "'$bin' submit birth-registration --catalogue '$cat' --db \"$db\" --now 2025-07-03T10:00 --field citizen-id=009999999999 --field parents-married=true | grep -q 'asked     marriage-certificate (not found in civil-status)'"
check "explain tells the story of each document" \
    bash -c "'$bin' explain 1 marriage-certificate --catalogue '$cat' --db \"$db\" --now 2025-07-03T10:00 | grep -A3 '^  marriage-certificate' | grep -q 'required when parents-married'"
oo fire 1 supplement --as applicant --attach marriage-certificate --attach citizen-identity --now 2025-07-03T10:10 >/dev/null
oo fire 1 approve --as head --now 2025-07-03T10:20 >/dev/null 2>&1
oo fire 1 return-result --as clerk --now 2025-07-03T10:30 >/dev/null 2>&1
check "a result issued by one dossier is in the registry" \
    bash -c "'$bin' registry show 001234567890 --catalogue '$cat' --db \"$db\" | grep -q '^civil-status .*birth-certificate .*MC-1'"

# Compliance cost (SPEC §8.1) on the bundled catalogue and its reform.
check "cost compares the baseline with the reform" \
    bash -c "'$bin' cost --reform civil-data-2026 --date 2025-07-01 --catalogue '$cat' | grep -q '^total .*| .*%$'"
check "cost --format csv has a header and a line per procedure" \
    bash -c "'$bin' cost --reform civil-data-2026 --date 2025-07-01 --catalogue '$cat' --format csv | head -1 | grep -q '^procedure,code,agency,sector,basis,hours,cost,volume,annual,fee,revenue,reform_hours,reform_cost,reform_annual,reform_fee,reform_revenue,saving,saving_pct,notes$'"
check "cost --format json totals the saving" \
    bash -c "'$bin' cost --reform civil-data-2026 --date 2025-07-01 --catalogue '$cat' --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); t=d[\"total\"]; assert t[\"baseline\"]-t[\"reform\"]==t[\"saving\"]>0, t'"
check "cost refuses a date before every version: exit 1" status 1 "$bin" cost --date 2020-01-01 --catalogue "$cat"
check "cost of an unknown reform: exit 1" status 1 "$bin" cost --reform nope --catalogue "$cat"
check "report takes no arguments: exit 2" status 2 "$bin" report extra --catalogue "$cat" --db "$tmp/none.db"
check "registry import on a broken catalogue: exit 1" status 1 "$bin" registry import civil-status /dev/null --catalogue "$tmp/bad" --db "$tmp/none.db"
check "registry import on a broken catalogue shows the catalogue's errors" grep -q "duplicate role" "$tmp/stderr"

# Simulation (SPEC §8.2) on the test catalogue and its reform.
sim() { "$bin" simulate --catalogue "$cat" --from 2025-07-01 --dossiers 500 "$@"; }
check "simulate compares the baseline with the reform" \
    bash -c "$(declare -f sim); bin='$bin' cat='$cat'; sim --reform civil-data-2026 | grep -q '^documents fetched per dossier  *[0-9.]*  *[0-9.]*'"
check "simulate: the same seed gives the same numbers" \
    bash -c "$(declare -f sim); bin='$bin' cat='$cat'; cmp <(sim --seed 5 --format csv) <(sim --seed 5 --format csv)"
check "simulate: another seed gives other numbers" \
    bash -c "$(declare -f sim); bin='$bin' cat='$cat'; ! cmp -s <(sim --seed 5 --format csv) <(sim --seed 6 --format csv)"
check "simulate --format json: the reform fetches more" \
    bash -c "$(declare -f sim); bin='$bin' cat='$cat'; sim --reform civil-data-2026 --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); b=d[\"baseline\"][\"total\"]; r=d[\"reformed\"][\"total\"]; assert b[\"dossiers\"]==r[\"dossiers\"]==500 and r[\"fetched_per_dossier\"]>b[\"fetched_per_dossier\"], (b, r); assert d[\"baseline\"][\"indicators\"][\"received\"]==500'"
check "simulate --format csv: a header, a line per procedure and a total" \
    bash -c "$(declare -f sim); bin='$bin' cat='$cat'; sim --format csv | sed -n '1p;\$p' | tr '\n' ' ' | grep -q '^procedure,agency,sector,code,dossiers,.*,staff_days total,,,,500,'"
check "simulate --dossiers must be a positive number: exit 2" status 2 "$bin" simulate --dossiers -3 --catalogue "$cat"
check "simulate --dossiers 0: exit 2" status 2 "$bin" simulate --dossiers 0 --catalogue "$cat"
check "simulate --dossiers with --year: exit 2" status 2 "$bin" simulate --dossiers 5 --year --catalogue "$cat"
check "simulate of an unknown reform: exit 1" status 1 "$bin" simulate --reform nope --catalogue "$cat"
mkdir -p "$tmp/simloop/procedures" "$tmp/simhuge/procedures"
printf 'role clerk\nlifecycle l {\n  state a { initial; on go -> b by clerk }\n  state b { on back -> a by clerk }\n  state c { final; outcome granted }\n}\nprocedure p { lifecycle l; volume 3 per year }\n' >"$tmp/simloop/procedures/p.proc"
printf 'role clerk\nlifecycle l {\n  state a { initial; on go -> b by clerk }\n  state b { final; outcome granted }\n}\nprocedure p { lifecycle l; volume 1000000000 per year }\nprocedure q { lifecycle l; volume 1 per year }\n' >"$tmp/simhuge/procedures/p.proc"
check "simulate --year refuses a year too large to run: exit 1" status 1 "$bin" simulate --year --catalogue "$tmp/simhuge"
check "simulate --year: the refusal says what to do" grep -q "the volumes add up to 1000000001 dossiers a year, more than 1000000000: simulate a sample with --dossiers N" "$tmp/stderr"
check "simulate: a lifecycle that never ends is reported, not a hang" \
    bash -c "'$bin' simulate --year --catalogue '$tmp/simloop' 2>/dev/null | grep -q 'p: some dossiers did not reach a final state within 1000 transitions'"
# Interconnected procedures (issue 25) on the bundled catalogue: the birth group's parts run in
# the simulation, counted by agency; the part procedures are not counted on their own.
isim() { "$bin" simulate --catalogue . --from 2025-07-01 "$@"; }
check "simulate: the birth group's parts by agency, in text" \
    bash -c "$(declare -f isim); bin='$bin'; isim --procedure birth-residence-insurance --dossiers 300 >'$tmp/ic.txt' && grep -q '^interconnected procedures, their parts by agency' '$tmp/ic.txt' && grep -Eq '^baseline +birth-residence-insurance +commune-committee +300 ' '$tmp/ic.txt' && grep -Eq '^baseline +birth-residence-insurance +social-insurance-office +[0-9]+ ' '$tmp/ic.txt' && grep -Eq '^birth-residence-insurance +300 .* [0-9]+\.[0-9]+%\$' '$tmp/ic.txt'"
check "simulate --format json: the birth group ends, its parts by agency" \
    bash -c "$(declare -f isim); bin='$bin'; isim --procedure birth-residence-insurance --dossiers 300 --format json | python3 -c 'import json,sys; b=json.load(sys.stdin)[\"baseline\"]; p={x[\"agency\"]: x for x in b[\"parts\"]}; t=b[\"total\"]; assert sorted(p)==[\"commune-committee\", \"commune-police\", \"social-insurance-office\"], p; first=p[\"commune-committee\"]; assert first[\"started\"]==300 and first[\"granted\"]+first[\"not_granted\"]==300, first; assert p[\"commune-police\"][\"started\"]==first[\"granted\"], p; assert t[\"unfinished\"]==0 and t[\"finished\"]==300, t'"
check "simulate --format csv: a table of the parts after the procedures" \
    bash -c "$(declare -f isim); bin='$bin'; isim --procedure birth-residence-insurance --dossiers 300 --format csv | grep -A1 -x 'side,procedure,agency,parts_started,parts_granted,parts_not_granted,parts_unfinished,parts_late,parts_refused_at_submission,parts_not_needed' | grep -q '^baseline,birth-residence-insurance,commune-committee,300,'"
check "simulate: the part procedures are left out and said so; every interconnected dossier ends" \
    bash -c "$(declare -f isim); bin='$bin'; isim --dossiers 20000 >'$tmp/ic-all.txt' && grep -qF '6 procedures run as parts of an interconnected procedure not simulated on their own: their dossiers are the group'\''s (ic-birth-registration of birth-residence-insurance, …)' '$tmp/ic-all.txt' && ! grep -Eq '^ic-|birth-residence-insurance: (some dossiers did not reach|.parts-done. was refused)' '$tmp/ic-all.txt'"
check "cost: the birth group lists its parts, the part procedures are left out" \
    bash -c "'$bin' cost --catalogue . --date 2025-07-01 >'$tmp/ic-cost.txt' && grep -Eqx '    part birth +ic-birth-registration +commune-committee +0wd' '$tmp/ic-cost.txt' && grep -qxF '  ic-child-residence: part residence of birth-residence-insurance' '$tmp/ic-cost.txt' && ! grep -q '^ic-' '$tmp/ic-cost.txt'"
check "cost --format json: the birth group's parts, who does what" \
    bash -c "'$bin' cost --catalogue . --date 2025-07-01 --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); g=[p for p in d[\"procedures\"] if p[\"procedure\"]==\"birth-residence-insurance\"][0]; assert [(x[\"part\"], x[\"agency\"], x[\"time_limit\"]) for x in g[\"parts\"]]==[(\"birth\", \"commune-committee\", \"0wd\"), (\"residence\", \"commune-police\", \"2wd\"), (\"insurance\", \"social-insurance-office\", \"2wd\")], g; assert \"ic-child-health-insurance: part insurance of birth-residence-insurance\" in d[\"parts_left_out\"] and not [p for p in d[\"procedures\"] if p[\"procedure\"].startswith(\"ic-\")], d[\"parts_left_out\"]'"
# Measured coverage (issue 20): --coverage-from STORE, --since, --until on cost and simulate. The
# counting is tested against stores of look-ups in test_store, test_cost, test_cli and
# tests/registry.sh (through serve and the test registry service); here, what the command line
# refuses, and a store without any look-up.
one_line() { # one_line WANT_STATUS WANT_STDERR ARGS… : that exit, stderr that one line, no stdout
    local want=$1 line=$2
    shift 2
    "$bin" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    local got=$?
    [ "$got" -eq "$want" ] && [ ! -s "$tmp/stdout" ] && [ "$(cat "$tmp/stderr")" = "$line" ] ||
        { echo "exit $got: $(cat "$tmp/stderr")" >&2; return 1; }
}
check "cost --since without --coverage-from: exit 2" \
    one_line 2 "motcua: --since needs --coverage-from STORE (see 'motcua help')" \
    cost --since 2026-11-01 --catalogue "$cat"
check "simulate --until without --coverage-from: exit 2" \
    one_line 2 "motcua: --until needs --coverage-from STORE (see 'motcua help')" \
    simulate --until 2026-11-30 --catalogue "$cat"
check "cost --since that is not a date: exit 2" \
    one_line 2 "motcua: --since: no such date: '2026-13-01' (see 'motcua help')" \
    cost --coverage-from "$tmp/none.db" --since 2026-13-01 --catalogue "$cat"
check "simulate --until before --since: exit 2" \
    one_line 2 "motcua: --until is before --since (see 'motcua help')" \
    simulate --coverage-from "$tmp/none.db" --since 2026-11-02 --until 2026-11-01 --catalogue "$cat"
check "cost --coverage-from an empty name: exit 2" \
    one_line 2 "motcua: --coverage-from needs a store (see 'motcua help')" \
    cost --coverage-from "" --catalogue "$cat"
check "--coverage-from is refused by a command that does not take it: exit 2" \
    status 2 "$bin" report --coverage-from "$tmp/none.db" --catalogue "$cat"
if [ -z "$pg" ]; then
    check "cost --coverage-from a store that is not there: exit 3, nothing created" \
        bash -c "$(declare -f one_line); bin='$bin' tmp='$tmp'; one_line 3 'motcua: $tmp/none.db: no such store' cost --coverage-from '$tmp/none.db' --catalogue '$cat' && [ ! -e '$tmp/none.db' ]"
    check "simulate --coverage-from a file that is no store: exit 3" \
        one_line 3 "motcua: $cat/rules/civil.lua is not a motcua store (not a SQLite database)" \
        simulate --coverage-from "$cat/rules/civil.lua" --dossiers 5 --catalogue "$cat"
fi
mkdir -p "$tmp/livecat/procedures"
cat >"$tmp/livecat/procedures/p.proc" <<'PROC'
cost-model m { default; hourly-income 40000 VND; hours-per-day 8; visit 0h 0 VND; count-waiting false }
role clerk
document cert
document paper
registry civil-status { live; holds cert; coverage 85% }
registry archive { holds paper; coverage 50% }
lifecycle l { state a { initial; on go -> b by clerk }; state b { final; outcome granted } }
procedure p { lifecycle l; volume 100 per year; subject id
    field id { type text; required }
    requires cert { effort 10h; cost 0 VND }
    requires paper { effort 1h; cost 0 VND } }
PROC
covdb=$(store coverage)
"$bin" tick --catalogue "$tmp/livecat" --db "$covdb" >/dev/null 2>&1 # creates the store
cat >"$tmp/cov.want" <<'OUT'
cost model m: 40,000 VND an hour, 8 hours a day, a visit 0h and 0 VND; waiting not counted
versions in force on 2026-12-01

procedure                              hours   cost/dossier             annual
p                                       2.00         80,000          8,000,000
total                                                                8,000,000
  from statistics (1)                                                8,000,000
  from assumptions (0)                                                       0
(assumed): a procedure whose volume, effort, visits, time limit or fee the catalogue marks as an assumption (`assumed`), not a statistic

the state's fee revenue a year: 0

độ phủ của các cơ sở dữ liệu: đo từ các lượt tra cứu ghi trong kho hồ sơ khi cơ sở dữ liệu kết nối trực tiếp có ít nhất 30 lượt, nếu không thì dùng số đã khai báo (giả định)
coverage of the registries: measured from the look-ups in the store where a live registry has at least 30 of them, else the declared figure (an assumption)
  civil-status: giữ 85% giả định: không có lượt tra cứu nào được ghi nhận trong kỳ
  civil-status: the assumed 85% kept: no look-up recorded in the period
OUT
check "cost --coverage-from a store without look-ups keeps the declared coverage, and says so" \
    bash -c "'$bin' cost --date 2026-12-01 --catalogue '$tmp/livecat' --coverage-from \"\$1\" --since 2026-11-01 | diff '$tmp/cov.want' -" _ "$covdb"
check "cost --coverage-from prints the figures it prints without it" \
    bash -c "diff <('$bin' cost --date 2026-12-01 --catalogue '$tmp/livecat') <(head -11 '$tmp/cov.want')"
check "simulate --coverage-from a store without look-ups: the declared coverage, said in JSON" \
    bash -c "'$bin' simulate --dossiers 20 --catalogue '$tmp/livecat' --coverage-from \"\$1\" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin)[\"coverage\"]; r=d[\"registries\"]; assert d[\"since\"] is None and [(x[\"registry\"], x[\"source\"], x[\"reason\"], x[\"coverage\"], x[\"lookups\"]) for x in r] == [(\"civil-status\", \"assumption\", \"none\", \"85.00\", 0)], d'" _ "$covdb"

# `--html FILE` on cost and report: one self-contained page besides the usual output.
cost_args=(cost --reform civil-data-2026 --date 2025-07-01 --catalogue "$cat")
same_stdout() { # same_stdout PAGE ARGS… : with --html PAGE, stdout is what it is without
    local page=$1
    shift
    "$bin" "$@" >"$tmp/plain" 2>&1 && "$bin" "$@" --html "$page" >"$tmp/with" 2>&1 &&
        cmp -s "$tmp/plain" "$tmp/with" && test -s "$page" && ! test -e "$page.tmp"
}
has_figures() { # has_figures PAGE LINE : every number of the text line is a cell of the page
    local page=$1 figure found=0
    for figure in $(printf '%s\n' "$2" | grep -oE '[0-9][0-9,./]*%?'); do
        grep -qF ">$figure<" "$page" || { echo "missing $figure" >&2; return 1; }
        found=$((found + 1))
    done
    [ "$found" -gt 0 ]
}
self_contained() { # self_contained PAGE : charts, and nothing to fetch or run
    [ "$(grep -c '<svg' "$1")" -ge 1 ] && ! grep -qE 'https?://|src=|<link|<script|@import|url\(' "$1"
}
one_line_error() { # one_line_error WANT ARGS… : exit 3, stderr is the one line WANT
    local want=$1
    shift
    "$bin" "$@" >/dev/null 2>"$tmp/stderr"
    [ $? -eq 3 ] && [ "$(cat "$tmp/stderr")" = "$want" ]
}
check "cost --html writes the page and prints what it prints without it" \
    same_stdout "$tmp/cost.html" "${cost_args[@]}"
check "the cost page gives the headline in tỷ đồng, in Vietnamese" \
    bash -c "grep -qF '>363,0 tỷ đồng<' '$tmp/cost.html' && grep -qF '>72,0 tỷ đồng<' '$tmp/cost.html' && grep -qF '>19,83%<' '$tmp/cost.html' && grep -qF 'Chi phí hằng năm hiện nay' '$tmp/cost.html'"
check "the cost page holds a procedure's figures and its titles" \
    bash -c "grep -qF '>242.000<' '$tmp/cost.html' && grep -qF '>194.000<' '$tmp/cost.html' && grep -qF 'Đăng ký khai sinh' '$tmp/cost.html'"
check "the cost page has its charts and nothing from outside" self_contained "$tmp/cost.html"
check "the cost page draws the saving chart with a reform, none without" \
    bash -c "test \$(grep -c '<svg' '$tmp/cost.html') = 1 && '$bin' cost --date 2025-07-01 --catalogue '$cat' --html '$tmp/base.html' >/dev/null && test \$(grep -c '<svg' '$tmp/base.html') = 0 && ! grep -q 'Phương án' '$tmp/base.html'"
check "cost --format json --html: JSON on stdout, the page beside it" \
    bash -c "'$bin' ${cost_args[*]} --format json --html '$tmp/j.html' | python3 -c 'import json,sys; json.load(sys.stdin)' && test -s '$tmp/j.html'"
mkdir -p "$tmp/amp/procedures"
cat >"$tmp/amp/procedures/p.proc" <<'PROC'
cost-model m { default; hourly-income 40000 VND; hours-per-day 8; visit 4h 30000 VND; count-waiting true }
role clerk
procedure births-deaths {
  title "Births & <deaths> \"quoted\" 'single'"
  title vi "Đăng ký khai sinh & khai tử"
  effective 2025-01-01
  time-limit 5wd
  volume 1000 per year
  state a { initial; on go -> b by clerk }
  state b { final }
}
reform r { title "Less <paper> & more data"; drop procedure births-deaths }
PROC
check "titles are escaped in the page, Vietnamese passes unchanged" \
    bash -c "'$bin' cost --catalogue '$tmp/amp' --reform r --date 2025-07-01 --html '$tmp/amp.html' >/dev/null && grep -qF 'Đăng ký khai sinh &amp; khai tử' '$tmp/amp.html' && grep -qF 'Less &lt;paper&gt; &amp; more data' '$tmp/amp.html' && ! grep -q '<deaths>\\|<paper>' '$tmp/amp.html'"
check "the English page with --lang en, escaped too" \
    bash -c "'$bin' cost --lang en --catalogue '$tmp/amp' --reform r --date 2025-07-01 --html '$tmp/amp-en.html' >/dev/null && grep -qF 'Births &amp; &lt;deaths&gt; &quot;quoted&quot; &#39;single&#39;' '$tmp/amp-en.html'"
check "an unwritable page: exit 3, one line, no file and no .tmp" \
    bash -c "$(declare -f one_line_error); bin='$bin' tmp='$tmp'; one_line_error 'motcua: cannot write /nonexistent/dir/x.html: No such file or directory' ${cost_args[*]} --html /nonexistent/dir/x.html && ! test -e /nonexistent/dir/x.html.tmp"
mkdir -p "$tmp/folder"
check "a folder as the page: exit 3, one line, no .tmp left" \
    bash -c "$(declare -f one_line_error); bin='$bin' tmp='$tmp'; one_line_error 'motcua: cannot write $tmp/folder: Is a directory' ${cost_args[*]} --html '$tmp/folder' && ! test -e '$tmp/folder.tmp'"
check "cost --html without a value: exit 2" status 2 "$bin" "${cost_args[@]}" --html
check "cost --html with an empty value: exit 2" status 2 "$bin" "${cost_args[@]}" --html=
check "a failed cost writes no page" \
    bash -c "! '$bin' cost --reform nope --catalogue '$cat' --html '$tmp/nope.html' 2>/dev/null && ! test -e '$tmp/nope.html' && ! test -e '$tmp/nope.html.tmp'"
check "help shows --html for cost and report" \
    bash -c "'$bin' help cost | grep -q -- '--html FILE' && '$bin' help report | grep -q -- '--html FILE'"
# A full disk: the page is not written, and the page that was there stays whole. The old page
# takes the one block of a 4k file system, so the new one finds no room. Needs the right to
# mount a tmpfs (root in CI); skipped otherwise.
full_page() {
    local dir="$tmp/tinypage"
    mkdir -p "$dir"
    if ! mount -t tmpfs -o size=4k tmpfs "$dir" 2>/dev/null; then
        echo "skip"
        return 0
    fi
    echo "old page" >"$dir/c.html"
    local ok=1
    "$bin" "${cost_args[@]}" --html "$dir/c.html" >/dev/null 2>"$tmp/full.err" && ok=0
    [ "$(cat "$tmp/full.err")" = "motcua: cannot write $dir/c.html: No space left on device" ] || ok=0
    [ "$(cat "$dir/c.html")" = "old page" ] && ! [ -e "$dir/c.html.tmp" ] || ok=0
    umount "$dir"
    [ "$ok" = 1 ] && echo "pass" || echo "fail: $(cat "$tmp/full.err")"
}
on_tmpfs "a full disk writes no page and keeps the old one" full_page
report_args=(report --from 2025-07-01 --to 2025-07-31 --catalogue "$cat" --db "$odb")
check "report --html writes the page and prints what it prints without it" \
    same_stdout "$tmp/report.html" "${report_args[@]}"
check "the report page holds the total line's figures" \
    has_figures "$tmp/report.html" "$("$bin" "${report_args[@]}" | grep '^total ')"
check "the report page has its tables, shares and charts, nothing from outside" \
    bash -c "$(declare -f self_contained); self_contained '$tmp/report.html' && test \$(grep -c '<table>' '$tmp/report.html') = 2 && grep -q '>on time ' '$tmp/report.html' && grep -q '>fetched ' '$tmp/report.html' && grep -q '>online ' '$tmp/report.html'"
check "report --html on an empty store says there is no data" \
    bash -c "'$bin' report --catalogue '$cat' --db :memory: --html '$tmp/empty.html' >/dev/null && grep -q '>no data<' '$tmp/empty.html'"
check "report --html to an unwritable page: exit 3, one line" \
    bash -c "$(declare -f one_line_error); bin='$bin' tmp='$tmp'; one_line_error 'motcua: cannot write /nonexistent/r.html: No such file or directory' $(printf '%q ' "${report_args[@]}") --html /nonexistent/r.html"
check "report --html without a value: exit 2" status 2 "$bin" "${report_args[@]}" --html

# A full disk: a store on a tiny file system fills up; the error is clear, and nothing that was
# acknowledged is lost. Needs the right to mount a tmpfs (root in CI); skipped otherwise.
# `motcua test`: a missing PATH or a file with problems counts as a failure; the rest still runs.
printf 'scenario "clock only" {\n    now 2025-07-01T09:00\n}\n' >"$tmp/good.scenario"
printf 'scenario "x" {\n    bogus\n}\n' >"$tmp/broken.scenario"
check "test: a good scenario passes, exit 0" status 0 "$bin" test "$tmp/good.scenario" --catalogue "$cat"
check "test: a missing path and a broken file are counted as failures, exit 1" \
    bash -c "out=\$('$bin' test '$tmp/good.scenario' '$tmp/nope.scenario' '$tmp/broken.scenario' --catalogue '$cat' 2>/dev/null); test \$? = 1 && test \"\$(printf '%s\\n' \"\$out\" | tail -n 1)\" = '1 passed, 2 failed'"
check "test: the missing path is named on stderr" \
    bash -c "'$bin' test '$tmp/nope.scenario' --catalogue '$cat' 2>&1 >/dev/null | grep -qx 'motcua: $tmp/nope.scenario: no such file or folder'"

mkdir -p "$tmp/selfref"
cp "$tmp/good.scenario" "$tmp/selfref/good.scenario"
ln -s . "$tmp/selfref/again"
check "test: a folder that links into itself runs nothing and counts as a failure, exit 1" \
    bash -c "out=\$('$bin' test '$tmp/selfref' --catalogue '$cat' 2>'$tmp/selfref.err'); test \$? = 1 && test \"\$out\" = '0 passed, 1 failed' && grep -q '^motcua: $tmp/selfref/again/.*/again: folders nested too deeply\$' '$tmp/selfref.err'"

# A scenario whose timers loop without end is stopped with a clear error at its step.
mkdir -p "$tmp/loop/procedures"
printf 'role clerk\nlifecycle ping {\n  state a { initial; after 1h -> b; on stop -> c by clerk }\n  state b { after 1h -> a }\n  state c { final }\n}\nprocedure p { effective 2025-01-01; time-limit 5wd; lifecycle ping\n  field id { type text } }\n' >"$tmp/loop/procedures/l.proc"
printf 'scenario "ping-pong" {\n    now 2025-07-01T09:00\n    submit p { id "1" }\n    at 2025-12-01T09:00\n    expect state a\n}\n' >"$tmp/loop.scenario"
check "test: timers that loop without end fail the scenario at the step" \
    bash -c "'$bin' test '$tmp/loop.scenario' --catalogue '$tmp/loop' | grep -q '^     $tmp/loop.scenario:4: dossier 1: its timers loop without end'"

full_disk() {
    local dir="$tmp/tiny" i out acked=0
    mkdir -p "$dir"
    if ! mount -t tmpfs -o size=256k tmpfs "$dir" 2>/dev/null; then
        echo "skip"
        return 0
    fi
    for ((i = 1; i <= 400; i++)); do
        if out=$("$bin" submit birth-registration --catalogue "$cat" --db "$dir/m.db" \
            --now 2025-07-03T09:00 --field citizen-id=001234567890 2>&1); then
            acked=$i
        else
            break
        fi
    done
    local ok=1
    echo "$out" | grep -q "the disk is full" || ok=0
    [ "$acked" -gt 0 ] && [ "$acked" -lt 400 ] || ok=0
    # Reading still works, and every acknowledged dossier is there with its event; showing one
    # is refused, since the read cannot be written to the access log.
    "$bin" verify --db "$dir/m.db" >/dev/null 2>&1 || ok=0
    "$bin" list --catalogue "$cat" --db "$dir/m.db" --now 2025-07-03T09:00 2>&1 | grep -q "^ *$acked " || ok=0
    "$bin" show "$acked" --catalogue "$cat" --db "$dir/m.db" --now 2025-07-03T09:00 2>&1 | grep -q "the disk is full" || ok=0
    umount "$dir"
    [ "$ok" = 1 ] && echo "pass" || { echo "fail: acked=$acked last: $out"; }
}
# A full disk under the store's file (SQLite only: PostgreSQL's disk is the server's).
[ -z "$pg" ] && on_tmpfs "a full disk is a clear error and loses nothing" full_disk
# simulate --html (the page helpers above)
sim_args=(simulate --catalogue "$cat" --from 2025-07-01 --dossiers 300 --reform civil-data-2026)
check "simulate --html writes the page and prints what it prints without it" \
    same_stdout "$tmp/sim.html" "${sim_args[@]}"
check "the simulate page has its charts, its tables and nothing from outside" \
    bash -c "$(declare -f self_contained); self_contained '$tmp/sim.html' && test \$(grep -c '<svg' '$tmp/sim.html') -ge 4 && grep -q '>Thời gian giải quyết<' '$tmp/sim.html' && grep -q '>Đăng ký khai sinh' '$tmp/sim.html' && grep -q 'birth-registration' '$tmp/sim.html'"
check "the simulate page holds the text's applicant cost per dossier, in đồng" \
    bash -c "'$bin' ${sim_args[*]} | grep '^applicant cost per dossier' | awk '{print \$5; print \$6}' | tr , . | while read f; do grep -qF \">\$f đồng<\" '$tmp/sim.html' || exit 1; done"
check "simulate --html to an unwritable path: exit 3, one line, no page" \
    bash -c "$(declare -f one_line_error); bin='$bin' tmp='$tmp'; one_line_error 'motcua: cannot write /nonexistent/s.html: No such file or directory' ${sim_args[*]} --html /nonexistent/s.html && ! test -e /nonexistent/s.html.tmp"
check "simulate --html with an empty name: exit 2" status 2 "$bin" simulate --html "" --catalogue "$cat"
# import annex (docs/national.md): a small extract of Resolution 66.7, annex I.
annex=tests/fixtures/annex
mkdir -p "$tmp/natcat/procedures"
cp -r procedures/common "$tmp/natcat/procedures/"
cp -r rules "$tmp/natcat/"
check "import annex of a small extract: exit 0 and a summary" \
    bash -c "'$bin' import annex $annex/small.csv --out '$tmp/natcat/procedures/national' 2>'$tmp/imp.err' | grep -q '^import: 9 rows: 6 mapped, 2 mapped with warnings, 1 not mapped, 0 repeated; 7 procedures'"
check "import annex reports an unmapped database by row" \
    grep -qF "small.csv:8:192: warning[annex-unknown-database]: row 708: database 'Bộ Công an' names no registry of the tables" "$tmp/imp.err"
check "the imported files lint clean with the bundled common declarations" \
    status 0 "$bin" lint --catalogue "$tmp/natcat"
check "a second import is byte-identical" \
    bash -c "'$bin' import annex $annex/small.csv --out '$tmp/again' 2>/dev/null && diff -r '$tmp/natcat/procedures/national' '$tmp/again'"
check "cost under resolution-66-7 shows a saving and names the assumed figures" \
    bash -c "'$bin' cost --reform resolution-66-7 --date 2026-06-01 --catalogue '$tmp/natcat' | grep -qE '^  [0-9]+ procedures \\(nat-.*\\): assumed figures \\(not statistics\\): volume, effort, visits, time-limit\$'"
check "a malformed annex: exit 1, the line, nothing written" \
    bash -c "! '$bin' import annex $annex/bad-quote.csv --out '$tmp/bad-import' 2>'$tmp/bad.err'; test \$? -eq 0 && grep -qF 'bad-quote.csv:2:12: error: quoted field is never closed (a quote is missing)' '$tmp/bad.err' && ! test -e '$tmp/bad-import'"
check "a malformed annex exits 1" status 1 "$bin" import annex $annex/wrong-columns.csv --out "$tmp/bad-import"
check "import annex without --out: exit 2" status 2 "$bin" import annex $annex/small.csv
check "import of something else than an annex: exit 2" status 2 "$bin" import table x.csv --out "$tmp/x"
if [ -f ../shared/data/res-66-7-annex-i.csv ]; then
    check "procedures/national is what the import of the annex gives (make national)" \
        bash -c "'$bin' import annex ../shared/data/res-66-7-annex-i.csv --out '$tmp/national' 2>/dev/null && diff -r procedures/national '$tmp/national'"
else
    n=$((n + 1))
    echo "ok $n - procedures/national is what the import of the annex gives # SKIP ../shared/data is not here"
fi

# A deadline counted into a year the calendar does not cover is flagged, never refused: the
# bundled calendar `vn` covers 2025-2027, 3 working days from 30 December 2027 run into 2028.
udb=$(store uncovered)
check "a deadline past the calendar's years is computed, not refused" \
    "$bin" submit death-registration --catalogue . --db "$udb" --now 2027-12-30T10:00 \
    --field deceased-id=036045009002 --field death-date=2027-12-28 \
    --field claims-funeral-allowance=false --attach death-declaration --attach death-notice
check "receiving it starts the clock" \
    "$bin" fire 1 receive --as clerk --catalogue . --db "$udb" --now 2027-12-30T10:05
check "show says the deadline was computed over a year the calendar does not cover" \
    bash -c "'$bin' show 1 --catalogue . --db \"$udb\" --now 2027-12-30T11:00 | grep -qx \"  deadline computed over 2028, which calendar 'vn' does not cover: that year's announced days off are not declared\""
check "show --format json flags it with the year" \
    bash -c "'$bin' show 1 --catalogue . --db \"$udb\" --now 2027-12-30T11:00 --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"due\"]==\"2028-01-05T17:00\" and d[\"calendar_uncovered\"] is True and d[\"uncovered_year\"]==2028, d'"
check "a second dossier, received in 2027" \
    bash -c "'$bin' submit death-registration --catalogue . --db \"$udb\" --now 2027-07-01T10:00 --field deceased-id=036045009003 --field death-date=2027-06-28 --field claims-funeral-allowance=false --attach death-declaration --attach death-notice && '$bin' fire 2 receive --as clerk --catalogue . --db \"$udb\" --now 2027-07-01T10:05"
check "a deadline within the calendar's years carries no flag" \
    bash -c "'$bin' show 2 --catalogue . --db \"$udb\" --now 2027-07-01T11:00 --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert \"calendar_uncovered\" not in d and \"uncovered_year\" not in d, d'"


# --request-id (issue 14): the same id with the same inputs replays; with other inputs it is a
# conflict, exit 1, and nothing is filed.
db=$(store idem)
idem() { "$bin" submit birth-registration --catalogue "$cat" --db "$db" --now 2025-07-03T09:00 --request-id web-1 --format json "$@"; }
idem --field citizen-id=001234567890 >/dev/null
check "a retry with the same --request-id replays the first result" \
    bash -c "$(declare -f idem); bin='$bin' cat='$cat' db=\"$db\"; idem --field citizen-id=001234567890 | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"replayed\"] is True and d[\"id\"]==1, d'"
check "the same --request-id with another subject is a conflict: exit 1" \
    status 1 idem --field citizen-id=009999999999
check "the conflict says which request had the id" \
    grep -qx "motcua: request id 'web-1' was already used for another request (another submit birth-registration)" "$tmp/stderr"
check "nothing was filed for the conflicting request" \
    bash -c "test \$('$bin' list --catalogue '$cat' --db \"$db\" --now 2025-07-03T09:10 | grep -c birth-registration) = 1"
# The layer check (tools/check-layers.sh) finds an include of a higher layer, and a source file
# outside the layer folders, in a copy of the tree.
mkdir -p "$tmp/layers"
cp -r tools src include "$tmp/layers/"
printf '#include "engine/engine_int.h"\n' >>"$tmp/layers/src/base/map.h"
printf '#include "cli/cli.h"\n' >>"$tmp/layers/src/import/annex.c"
touch "$tmp/layers/src/stray.c"
check "the layer check names each include of a higher layer and fails" \
    bash -c "bash '$tmp/layers/tools/check-layers.sh' >'$tmp/lay' 2>&1; [ \$? = 1 ] && grep -qx 'src/base/map.h:[0-9]*: base includes engine/engine_int.h of engine, a layer it may not use' '$tmp/lay' && grep -qx 'src/import/annex.c:[0-9]*: import includes cli/cli.h of cli, a layer it may not use' '$tmp/lay' && grep -qx 'src/stray.c: a source file outside the layer folders' '$tmp/lay' && grep -q '^not ok 1' '$tmp/lay'"
# The two front ends stand side by side: serve including cli is refused, and so is cli including
# serve, with no exception; what both use is in front, below them; only src/main.c sees both.
mkdir -p "$tmp/fronts"
cp -r tools src include "$tmp/fronts/"
printf '#include "cli/cli.h"\n' >>"$tmp/fronts/src/serve/api.c"
printf '#include "serve/serve.h"\n' >>"$tmp/fronts/src/cli/cmd_report.c"
printf '#include "cli/cli.h"\n' >>"$tmp/fronts/src/front/view.c"
check "the layer check refuses serve including cli, cli including serve, and front including either" \
    bash -c "bash '$tmp/fronts/tools/check-layers.sh' >'$tmp/fr' 2>&1; [ \$? = 1 ] && grep -qx 'src/serve/api.c:[0-9]*: serve includes cli/cli.h of cli, a layer it may not use' '$tmp/fr' && grep -qx 'src/cli/cmd_report.c:[0-9]*: cli includes serve/serve.h of serve, a layer it may not use' '$tmp/fr' && grep -qx 'src/front/view.c:[0-9]*: front includes cli/cli.h of cli, a layer it may not use' '$tmp/fr' && [ \$(grep -c 'may not use' '$tmp/fr') = 3 ]"
check "no file of serve includes anything of cli" bash -c "! grep -l '#include \"cli/' src/serve/*.c src/serve/*.h"
check "the layer check passes on the tree as it is" bash tools/check-layers.sh
# Each command takes only its own options (issue 15): any other is a usage error that names
# the command's options, before the command runs.
check "lint refuses --seed with the exact message" \
    bash -c "'$bin' lint --seed 5 --dossiers x 2>'$tmp/opt.err'; [ \$? = 2 ] && [ \"\$(cat '$tmp/opt.err')\" = \"motcua: lint does not take --seed; it takes --format, --layers, --strict, --catalogue, --rule-memory, --rule-steps, --rule-time (see 'motcua help')\" ]"
check "a command without options says so" \
    bash -c "'$bin' version --db x 2>'$tmp/opt.err'; [ \$? = 2 ] && [ \"\$(cat '$tmp/opt.err')\" = \"motcua: version takes no options, not --db (see 'motcua help')\" ]"
check "an option before the command name is checked too" \
    bash -c "'$bin' --seed=5 graph x 2>'$tmp/opt.err'; [ \$? = 2 ] && grep -q '^motcua: graph does not take --seed; it takes --date, --now, ' '$tmp/opt.err'"
check "help COMMAND lists the command's options" \
    bash -c "'$bin' help list | grep -qx 'options: --state, --overdue, --limit, --cursor, --search, --db, --now, --format, --catalogue, --rule-memory, --rule-steps, --rule-time'"
check "--help still shows the help whatever the options" status 0 "$bin" submit --seed 5 --help
mkdir -p "$tmp/foreign"
abs=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
for c in lint graph submit fire apologize show list history tick verify keygen checkpoint audit \
    explain registry test cost simulate report serve hash-token import help version; do
    f=--seed
    [ "$c" = simulate ] && f=--subject
    check "$c refuses $f: exit 2, nothing run" \
        bash -c "cd '$tmp/foreign' && '$abs' $c $f 1 x y 2>'$tmp/opt.err'; [ \$? = 2 ] && grep -Eq '^motcua: $c (does not take $f; it takes --|takes no options, not $f )' '$tmp/opt.err' && [ -z \"\$(ls -A '$tmp/foreign')\" ]"
done
# Every option docs/cli.md (and docs/api.md for serve and hash-token) shows in a command's usage is accepted:
# written before a foreign one, the error names the foreign one (so the command does not run).
usages() { # COMMAND OPTION… per line, from the usage blocks of the docs
    awk '/^## `motcua /{split($0, w, /[` ]/); cmd = w[4]} /^```text/{inb = 1; next} /^```/{inb = 0}
        inb && cmd != "" {line = line " " $0} !inb && line != "" {print cmd line; line = ""; cmd = ""}' docs/cli.md |
        while read -r c rest; do echo "$c $(grep -o -- '--[a-z-]*' <<<"$rest" | sort -u | tr '\n' ' ')"; done
    echo "serve $(sed -n '/^motcua serve/,/^```/p' docs/api.md | grep -o -- '--[a-z-]*' | sort -u | tr '\n' ' ')"
    grep -q '^`motcua hash-token TOKEN`' docs/api.md && echo "hash-token "
}
# Fee schedules and validity (issue 16), on a catalogue of their own.
fcat=tests/fixtures/fees
fdb=$(store fees)
check "the fee and validity scenarios pass" \
    bash -c "'$bin' test '$fcat' --catalogue '$fcat' | tail -1 | grep -q '^10 passed, 0 failed$'"
printf 'document,subject,reference,issued\nmarital-status-certificate,001200005555,XN-2026-0115,2026-01-15\n' >"$tmp/xn.csv"
"$bin" registry import civil-status "$tmp/xn.csv" --catalogue "$fcat" --db "$fdb" --now 2026-07-01T09:00 >/dev/null
check "an imported record past its validity is asked, with the reason" \
    bash -c "'$bin' submit marriage-abroad-copy --catalogue '$fcat' --db \"$fdb\" --now 2026-07-15T09:00 --field citizen-id=001200005555 --field applicant-kind=student --attach request-form | grep -q 'asked     marital-status-certificate (the record XN-2026-0115 in civil-status expired on 2026-07-15 (issued 2026-01-15, valid 6 months))'"
check "explain gives the reason and the fee: the line in force, its basis, the category" \
    bash -c "'$bin' explain 1 --catalogue '$fcat' --db \"$fdb\" --now 2026-07-15T09:10 >'$tmp/fx' && grep -q 'asked: the record XN-2026-0115 in civil-status expired on 2026-07-15' '$tmp/fx' && grep -A1 '^  fee' '$tmp/fx' | grep -qF '4000 VND: fee schedule certified-copy, 8000 VND in force from 2025-01-01 (Resolution 12/2024 of the People'\\''s Council, art. 2); reduced by 50%: applicant-kind is student (Resolution 12/2024, art. 3(b))'"
check "--lang vi: the expiry's dates in a reason as dd/mm/yyyy" \
    bash -c "'$bin' show 1 --lang vi --catalogue '$fcat' --db \"$fdb\" --now 2026-07-15T09:10 | grep -qxF '    yêu cầu nộp      Certificate of marital status (marital-status-certificate) — giấy tờ số XN-2026-0115 trong civil-status đã hết hiệu lực từ ngày 15/07/2026 (cấp ngày 15/01/2026, có giá trị 6 tháng)'"
check "explain --lang vi says why the fee, in đồng and dd/mm/yyyy" \
    bash -c "'$bin' explain 1 --lang vi --catalogue '$fcat' --db \"$fdb\" --now 2026-07-15T09:10 | grep -A1 '^  phí, lệ phí$' | grep -qxF '    4.000 đ: biểu phí, lệ phí certified-copy, mức thu 8.000 đ áp dụng từ ngày 01/01/2025 (Resolution 12/2024 of the People'\\''s Council, art. 2); được giảm 50%: applicant-kind là student (Resolution 12/2024, art. 3(b))'"
check "the day before the expiry, the same record is fetched" \
    bash -c "'$bin' submit marriage-abroad-copy --catalogue '$fcat' --db \"$fdb\" --now 2026-07-14T09:00 --field citizen-id=001200005555 --attach request-form | grep -q 'fetched   marital-status-certificate from civil-status (record XN-2026-0115)'"
usages >"$tmp/usages"
check "the docs show a usage for every command" \
    bash -c "[ \$(cut -d' ' -f1 '$tmp/usages' | sort -u | wc -l) = 29 ]"
while read -r c opts; do
    f=--seed
    [ "$c" = simulate ] && f=--subject
    refused=
    for o in $opts; do
        case "$o" in --overdue | --year) v=() ;; --format) v=(json) ;; --lang) v=(vi) ;; *) v=(x) ;; esac
        (cd "$tmp/foreign" && "$abs" "$c" "$o" "${v[@]}" "$f" 1 2>"$tmp/opt.err")
        [ $? = 2 ] && grep -q "^motcua: $c does not take $f;" "$tmp/opt.err" || refused="$refused $o"
    done
    check "$c takes the options the docs show:$opts" test -z "$refused"
done <"$tmp/usages"
# Extensions of a time limit: show, history and explain print them (docs/language.md §9.6).
mkdir -p "$tmp/ext/procedures"
printf '%s\n' 'calendar vn { default; hours 07:30-11:30 13:30-17:00; cutoff 15:00 }' 'role clerk' 'role head' \
    'procedure recognition { time-limit 3wd' \
    '  extension verification { by 5wd; on verify by head; legal-basis "Law on Civil Status 2014, art. 25(2)" }' \
    '  state open { initial; on receive -> appraisal by clerk }' \
    '  state appraisal { on verify -> appraisal by head; on close -> done by head }' \
    '  state done { final; outcome granted } }' >"$tmp/ext/procedures/r.proc"
edb=$(store ext)
ext() { "$bin" "$@" --catalogue "$tmp/ext" --db "$edb"; }
ext submit recognition --now 2025-07-14T09:00 >/dev/null
ext fire 1 receive --as clerk --now 2025-07-14T10:00 >/dev/null
ext fire 1 verify --as head --now 2025-07-17T09:00 >/dev/null
check "show prints the extended and the original due instants" \
    bash -c "'$bin' show 1 --catalogue '$tmp/ext' --db \"$edb\" --now 2025-07-17T10:00 | grep -A2 '^  due 2025-07-24T17:00$' | tail -2 | tr '\n' '|' | grep -qx '  extended: the time limit alone was due 2025-07-17T17:00|  extension verification: +5wd, used 1 of 1 (Law on Civil Status 2014, art. 25(2))|'"
check "show --format json has original_due and extensions" \
    bash -c "'$bin' show 1 --format json --catalogue '$tmp/ext' --db \"$edb\" --now 2025-07-17T10:00 | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"due\"]==\"2025-07-24T17:00\" and d[\"original_due\"]==\"2025-07-17T17:00\" and d[\"extensions\"]==[{\"name\":\"verification\",\"event\":\"verify\",\"days\":5,\"used\":1,\"at_most\":1,\"legal_basis\":[\"Law on Civil Status 2014, art. 25(2)\"]}], d'"
check "history shows the extension with its old and new due instants" \
    bash -c "'$bin' history 1 --catalogue '$tmp/ext' --db \"$edb\" --now 2025-07-17T10:00 | grep -qx '       extension verification +5wd (1 of 1): due 2025-07-17T17:00 -> 2025-07-24T17:00 \[Law on Civil Status 2014, art. 25(2)\]'"
check "explain ends with the extension" \
    bash -c "'$bin' explain 1 --catalogue '$tmp/ext' --db \"$edb\" --now 2025-07-17T10:00 | tail -1 | grep -qx '  extension verification: +5wd, used 1 of 1 (Law on Civil Status 2014, art. 25(2))'"
check "--lang vi: show and explain say the extension in Vietnamese" \
    bash -c "for c in show explain; do '$bin' \$c 1 --lang vi --catalogue '$tmp/ext' --db \"$edb\" --now 2025-07-17T10:00 | tail -2 | diff - <(printf '%s\\n' '  đã gia hạn: theo thời hạn giải quyết ban đầu, hạn trả kết quả là 17/07/2025 17:00' '  gia hạn verification: thêm 5 ngày làm việc, đã dùng 1/1 lần (Law on Civil Status 2014, art. 25(2))') || exit 1; done"
check "--lang vi: history says the extension in Vietnamese, its columns in characters" \
    bash -c "'$bin' history 1 --lang vi --catalogue '$tmp/ext' --db \"$edb\" --now 2025-07-17T10:00 | cut -c8- | diff - <(printf '%s\\n' '14/07/2025 09:00  nộp         Người nộp hồ sơ  -> open' '14/07/2025 10:00  xử lý       clerk           receive open -> appraisal' '17/07/2025 09:00  xử lý       head            verify appraisal -> appraisal' 'gia hạn verification thêm 5 ngày làm việc (lần 1/1): hạn trả kết quả 17/07/2025 17:00 -> 24/07/2025 17:00 [Law on Civil Status 2014, art. 25(2)]')"
check "a second extension is refused (guard), exit 1" \
    bash -c "'$bin' fire 1 verify --as head --catalogue '$tmp/ext' --db \"$edb\" --now 2025-07-17T11:00 2>&1 >/dev/null | grep -qx \"motcua: refused (guard): extension 'verification' was used 1 time already: at most 1\""
ext fire 1 close --as head --now 2025-07-24T16:00 >/dev/null
check "report counts the extended dossier on time against its extended due instant" \
    bash -c "'$bin' report --from 2025-07-01 --to 2025-07-31 --format json --catalogue '$tmp/ext' --db \"$edb\" | python3 -c 'import json,sys; t=json.load(sys.stdin)[\"total\"]; assert t[\"resolved\"]==1 and t[\"on_time\"]==1 and t[\"late\"]==0 and t[\"extended\"]==1, t'"

# ---- catalogues in layers (--catalogue given several times) -------------------------------------
dn=examples/province-dong-nai
check "layers: the example province layer over the bundled catalogue lints clean" \
    bash -c "'$bin' lint --catalogue . --catalogue $dn 2>&1 | grep -qx 'lint: 780 procedures (780 versions), 3 lifecycles, 72 documents, 14 registries, 4 roles, 1 calendar, 25 agencies, 3 fee schedules, 4 reforms, 1 cost model: 0 errors, 0 warnings'"
check "layers: the province layer's scenarios pass over the bundled catalogue" \
    bash -c "'$bin' test --catalogue . --catalogue $dn $dn/tests | tail -1 | grep -qx '7 passed, 0 failed'"
check "layers: without the bundled catalogue below, the province layer does not load" \
    bash -c "'$bin' lint --catalogue $dn 2>&1 >/dev/null | grep '^$dn/procedures/province.proc:10:17: error: no lower layer declares calendar .vn. to extend\$' >/dev/null && [ \${PIPESTATUS[0]} = 1 ]"
check "layers: the province's rules module loads from its own rules/" \
    bash -c "'$bin' test --catalogue . --catalogue $dn $dn/tests | grep -q '^ok   the replaced procedure charges the province'"
mkdir -p "$tmp/prov/procedures" "$tmp/prov/rules" "$tmp/prov2/procedures" "$tmp/prov2/rules"
printf 'registry civil-status { holds birth-certificate }\n' >"$tmp/prov/procedures/p.proc"
check "layers: a duplicate across layers names the lower layer, exit 1" \
    bash -c "'$bin' lint --catalogue '$cat' --catalogue '$tmp/prov' 2>&1 | grep \"^$tmp/prov/procedures/p.proc:1:10: error: duplicate registry 'civil-status' (first declared in layer '$cat' at $cat/procedures/.*; write 'extend registry civil-status' to add to it or 'replace registry civil-status' to replace it)\$\" >/dev/null && [ \${PIPESTATUS[0]} = 1 ]"
printf 'function f(d) return true end\n' >"$tmp/prov2/rules/civil.lua"
printf 'document x\n' >"$tmp/prov2/procedures/p.proc"
check "layers: a rule module a lower layer loads already is an error" \
    bash -c "'$bin' lint --catalogue . --catalogue '$tmp/prov2' 2>&1 | grep -q \"^$tmp/prov2/rules/civil.lua: error: rule module 'civil' loaded twice (each catalogue layer names its rule modules differently)\$\""
check "layers: a layer without procedures/ is an i/o error: exit 3" \
    status 3 "$bin" lint --catalogue . --catalogue "$tmp/empty"
check "layers: catalogue folders given to lint as paths are layers too" \
    bash -c "'$bin' lint . $dn 2>&1 | grep -q ': 0 errors, 0 warnings\$'"
# ---- lint --layers: what each layer declares, extends and replaces --------------------------------
cat >"$tmp/layers.want" <<'EOF'
layer 1 '.' (67 files): declares 779 procedures (779 versions), 3 lifecycles, 70 documents, 14 registries, 4 roles, 1 calendar, 3 fee schedules, 4 reforms, 1 cost model, 25 agencies
  declares procedure civil-status-extract-copy (procedures/civil-status/civil-status-extract-copy.proc:12:11), replaced by layer 2
  declares agency commune-committee (procedures/common/agencies.proc:9:8), replaced by layer 2
layer 2 'examples/province-dong-nai' (1 file): declares 1 procedure (1 version), 2 documents; extends 1 registry, 1 calendar; replaces 1 procedure, 1 agency
  extends calendar vn (examples/province-dong-nai/procedures/province.proc:10:17)
  replaces agency commune-committee (examples/province-dong-nai/procedures/province.proc:18:16)
  extends registry population (examples/province-dong-nai/procedures/province.proc:29:17)
  replaces procedure civil-status-extract-copy (examples/province-dong-nai/procedures/province.proc:65:19)
EOF
check "lint --layers: each layer's declarations, extensions and replacements, after the summary" \
    bash -c "'$bin' lint --layers --catalogue . --catalogue $dn | tail -n +2 | diff '$tmp/layers.want' -"
check "lint --layers --format json: the layers' names, what they extend and replace, and by whom" \
    bash -c "'$bin' lint --layers --format json --catalogue . --catalogue $dn | python3 -c 'import json,sys; l=json.load(sys.stdin)[\"layers\"]; assert [x[\"name\"] for x in l]==[\".\",\"$dn\"] and len(l[0][\"declares\"][\"procedure\"])==779 and l[1][\"declares\"]=={\"document\":[\"poor-household-certificate\",\"support-request\"],\"procedure\":[\"dong-nai-study-support\"]} and [(x[\"kind\"],x[\"name\"],x[\"line\"]) for x in l[1][\"extends\"]]==[(\"calendar\",\"vn\",10),(\"registry\",\"population\",29)] and [(x[\"kind\"],x[\"name\"]) for x in l[1][\"replaces\"]]==[(\"agency\",\"commune-committee\"),(\"procedure\",\"civil-status-extract-copy\")] and [(x[\"name\"],x[\"by\"]) for x in l[0][\"replaced\"]]==[(\"civil-status-extract-copy\",2),(\"commune-committee\",2)] and l[1][\"replaced\"]==[], l'"
check "lint --layers of a catalogue with errors: no layers, exit 1" \
    bash -c "'$bin' lint --layers --catalogue . --catalogue '$tmp/bad' 2>/dev/null | diff <(echo 'lint: 2 errors, 0 warnings') - && ! '$bin' lint --layers --catalogue . --catalogue '$tmp/bad' >/dev/null 2>&1"
check "lint --layers --format json of a catalogue with errors: layers is null" \
    bash -c "'$bin' lint --layers --format json --catalogue '$tmp/bad' | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"layers\"] is None and d[\"summary\"] is None, d'"
# lint --layers over a chain: a registry extended in the middle layer and replaced in the top one
mkdir -p "$tmp/l3/1/procedures" "$tmp/l3/2/procedures" "$tmp/l3/3/procedures" "$tmp/l3/4/procedures"
printf 'document a\ndocument b\nregistry r { holds a }\n' >"$tmp/l3/1/procedures/base.proc"
printf 'extend registry r { holds b }\n' >"$tmp/l3/2/procedures/mid.proc"
printf 'replace registry r { holds a }\n' >"$tmp/l3/3/procedures/top.proc"
printf '# nothing yet\n' >"$tmp/l3/4/procedures/empty.proc"
cat >"$tmp/l3.want" <<EOF
layer 1 '$tmp/l3/1' (1 file): declares 2 documents, 1 registry
  declares registry r ($tmp/l3/1/procedures/base.proc:3:10), replaced by layer 3
layer 2 '$tmp/l3/2' (1 file): extends 1 registry
  extends registry r ($tmp/l3/2/procedures/mid.proc:1:17), replaced by layer 3
layer 3 '$tmp/l3/3' (1 file): replaces 1 registry
  replaces registry r ($tmp/l3/3/procedures/top.proc:1:18)
layer 4 '$tmp/l3/4' (1 file): declares nothing
EOF
check "lint --layers: an extension goes with what a later layer replaces; an empty layer declares nothing" \
    bash -c "'$bin' lint --layers --catalogue '$tmp/l3/1' --catalogue '$tmp/l3/2' --catalogue '$tmp/l3/3' --catalogue '$tmp/l3/4' 2>/dev/null | tail -n +2 | diff '$tmp/l3.want' -"
check "lint without --layers prints the summary alone" \
    bash -c "[ \$('$bin' lint --catalogue . --catalogue $dn | wc -l) = 1 ] && ! '$bin' lint --format json --catalogue . --catalogue $dn | grep -q '\"layers\"'"
# ---- simulate: extensions of a time limit in the indicators; none chosen that would be refused ---
mkdir -p "$tmp/simx/procedures"
printf '%s\n' 'calendar vn { default; covers 2025-2027; hours 07:30-11:30 13:30-17:00 }' 'role clerk' 'role head' \
    'procedure recognition { time-limit 2wd; volume 1000 per year' \
    '  extension verification { by 5wd; on verify by head; legal-basis "Law on Civil Status 2014, art. 25(2)" }' \
    '  state open { initial; on receive -> appraisal by clerk; takes 0.5wh 1wh }' \
    '  state appraisal { on verify -> checking by head chance 30%; on close -> done by head; takes 0.5wd 3wd }' \
    '  state checking { on close -> done by head; takes 1wd 4wd }' \
    '  state done { final; outcome granted } }' >"$tmp/simx/procedures/r.proc"
cat >"$tmp/simx.want" <<'EOF'
indicators (Decision 766/QĐ-TTg) of the simulated dossiers:
                               received resolved  on time  late  ext.     open overdue apol. ok/all   online     full results   fetch/ask blocked mean wd
baseline                            500      500   91.80%    41   130        0       0     0/0        0.00%    0.00%       0     0/0           0    2.49

assumptions and warnings:
  the catalogue has no default cost-model: applicant hours and cost are not computed (shown as 0)
EOF
check "simulate counts the extended dossiers, and asks for no extension the dossier is overdue for by then" \
    bash -c "'$bin' simulate --seed 1 --dossiers 500 --from 2026-01-05 --catalogue '$tmp/simx' | tail -6 | diff '$tmp/simx.want' -"
check "simulate --format json: the indicators' extended" \
    bash -c "'$bin' simulate --seed 1 --dossiers 500 --from 2026-01-05 --format json --catalogue '$tmp/simx' | python3 -c 'import json,sys; t=json.load(sys.stdin)[\"baseline\"][\"indicators\"]; assert t[\"extended\"]==130 and t[\"resolved\"]==500, t'"
# ---- report: the extended column in text and CSV (the dossier of $tmp/ext, extended once) ---------
cat >"$tmp/report-ext.want" <<'EOF'
                               received resolved  on time  late  ext.     open overdue apol. ok/all   online     full results   fetch/ask blocked mean wd
recognition                           1        1  100.00%     0     1        0       0     0/0        0.00%    0.00%       0     0/0           0    8.67
by agency:
-                                     1        1  100.00%     0     1        0       0     0/0        0.00%    0.00%       0     0/0           0    8.67
total                                 1        1  100.00%     0     1        0       0     0/0        0.00%    0.00%       0     0/0           0    8.67
EOF
check "report text: the extended dossiers in the ext. column, after late" \
    bash -c "'$bin' report --from 2025-07-01 --to 2025-07-31 --catalogue '$tmp/ext' --db \"$edb\" | diff '$tmp/report-ext.want' -"
check "report csv: extended is the last column" \
    bash -c "'$bin' report --from 2025-07-01 --to 2025-07-31 --format csv --catalogue '$tmp/ext' --db \"$edb\" | sed -n '1p;\$p' | diff <(printf '%s\n' name,received,resolved,on_time,late,in_progress,overdue,apologies,apologies_timely,online_pct,full_online_pct,results,fetched,asked,blocked,mean_processing_wd,extended total,1,1,1,0,0,0,0,0,0.00,0.00,0,0,0,0,8.67,1) -"
check "report csv: a period without extended dossiers counts 0" \
    bash -c "'$bin' report --from 2025-07-01 --to 2025-07-13 --format csv --catalogue '$tmp/ext' --db \"$edb\" | tail -1 | grep -qx 'total,0,0,0,0,0,0,0,0,-,-,0,0,0,0,-,0'"
# ---- parties of a dossier (docs/language.md §9.8) ------------------------------------------
pdb=$(store parties)
printf 'document,subject,reference,issued\ndeath-certificate,001058002222,KT-2024-0317,2024-03-17\ndeath-certificate,001060001111,KT-OWN,2024-01-01\n' >"$tmp/parties.csv"
"$bin" registry import civil-status "$tmp/parties.csv" --db "$pdb" --now 2025-07-14T08:00 >/dev/null
pt() { "$bin" "$@" --db "$pdb"; }
pt submit marital-status-certification --field citizen-id=001060001111 --field status=widowed --field spouse-id=001058002222 --attach marital-status-declaration --now 2025-07-14T09:00 >"$tmp/p1"
pt submit marital-status-certification --field citizen-id=001060001111 --field status=widowed --attach marital-status-declaration --now 2025-07-14T09:05 >"$tmp/p2"
check "parties: the spouse's death certificate is fetched under the spouse's identifier" \
    bash -c "grep -qx '  spouse 001058002222' '$tmp/p1' && grep -qx '    fetched   death-certificate of spouse from civil-status (record KT-2024-0317)' '$tmp/p1'"
check "parties: a dossier that names no spouse is asked, with the reason" \
    bash -c "grep -qx '  spouse not named' '$tmp/p2' && grep -qx '    asked     death-certificate of spouse (the dossier names no spouse to look up in civil-status)' '$tmp/p2'"
check "parties: explain says whose record and under which identifier" \
    bash -c "'$bin' explain 1 death-certificate --db \"$pdb\" --now 2025-07-14T09:10 | sed -n 4p | grep -qx '    of the spouse: looked up under 001058002222'"
check "parties: show --format json has the parties and the party of a requirement" \
    bash -c "'$bin' show 1 --format json --db \"$pdb\" --now 2025-07-14T09:10 | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"parties\"]=={\"applicant\":\"001060001111\",\"spouse\":\"001058002222\"}, d; c=[x for x in d[\"checklist\"] if x[\"document\"]==\"death-certificate\"][0]; assert c[\"party\"]==\"spouse\" and c[\"status\"]==\"fetched\", c'"
check "parties: a procedure without parties has no parties in its json" \
    bash -c "'$bin' show 1 --format json --catalogue '$tmp/ext' --db \"$edb\" --now 2025-07-17T10:00 | python3 -c 'import json,sys; assert \"parties\" not in json.load(sys.stdin)'"
pt fire 2 receive --as clerk --set spouse-id=001058002222 --now 2025-07-14T10:00 >"$tmp/p3"
check "parties: an officer names the spouse, and the record is fetched" \
    grep -qx '    fetched   death-certificate of spouse from civil-status (record KT-2024-0317)' "$tmp/p3"
pt fire 2 assign --as clerk --now 2025-07-14T10:05 >/dev/null
check "parties: the applicant may not change the spouse, exit 1" \
    bash -c "'$bin' fire 2 withdraw --as applicant --set spouse-id=001058002223 --db \"$pdb\" --now 2025-07-14T10:10 2>&1 >/dev/null | grep -qx \"motcua: refused (role): role 'applicant' may not change the spouse of dossier 2 (field 'spouse-id'); an officer may correct it\""
pt show 1 --now 2025-07-14T11:00 >/dev/null
check "parties: audit finds the reads of the spouse's data, naming the party" \
    bash -c "'$bin' audit --subject 001058002222 --db \"$pdb\" >'$tmp/paudit' && grep -q '  once-only  *dossier 1  registry civil-status  party: spouse\$' '$tmp/paudit' && grep -q 'cli show  *dossier 1  party: spouse\$' '$tmp/paudit' && grep -q '  once-only  *dossier 2  registry civil-status  party: spouse\$' '$tmp/paudit'"
check "parties: audit --format json has the party" \
    bash -c "'$bin' audit --subject 001058002222 --db \"$pdb\" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert all(x[\"party\"]==\"spouse\" for x in d) and len(d)==5, d'"
check "parties: the applicant's own reads name no party" \
    bash -c "'$bin' audit --subject 001060001111 --db \"$pdb\" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d and all(\"party\" not in x for x in d), d'"
spouse="Người vợ hoặc chồng đã ly hôn hoặc đã chết (spouse)"
check "parties --lang vi: the party by its title, the checklist's 'of' and 'from' in Vietnamese" \
    bash -c "'$bin' show 1 --lang vi --db \"$pdb\" --now 2025-07-14T09:10 >'$tmp/pv' && grep -qxF '  $spouse: 001058002222' '$tmp/pv' && grep -qxF '    đã có trong CSDL Trích lục khai tử (death-certificate) của $spouse từ Cơ sở dữ liệu hộ tịch điện tử (civil-status), bản ghi KT-2024-0317' '$tmp/pv'"
check "parties --lang vi: a party the dossier does not name, in submit and explain" \
    bash -c "'$bin' submit marital-status-certification --field citizen-id=001060001111 --field status=widowed --attach marital-status-declaration --lang vi --db \"$pdb\" --now 2025-07-14T12:00 | grep -qxF '  $spouse: hồ sơ không ghi' && '$bin' explain 3 death-certificate --lang vi --db \"$pdb\" --now 2025-07-14T12:10 | sed -n 4p | grep -qxF '    của $spouse: hồ sơ không ghi số định danh' && '$bin' explain 1 death-certificate --lang vi --db \"$pdb\" --now 2025-07-14T09:10 | sed -n 4p | grep -qxF '    của $spouse: tra cứu theo số định danh 001058002222'"
# ---- lint's title check (issue 21): what people see without a Vietnamese title ----------------
mkdir -p "$tmp/ti/procedures"
cat >"$tmp/ti/procedures/t.proc" <<'EOF'
role clerk { title "One-stop officer"; title vi "Cán bộ một cửa" }
lifecycle l {
    event receive { title vi "Tiếp nhận hồ sơ" }
    state submitted { initial; title vi "Mới đăng ký"; on receive -> done by clerk; on refuse -> done by clerk }
    state done { final; outcome granted }
}
procedure p { title vi "Thủ tục"; agency commune; lifecycle l }
EOF
cat >"$tmp/ti.want" <<EOF
$tmp/ti/procedures/t.proc:4:88: warning[missing-title]: event 'refuse' has no Vietnamese title (declare: event refuse { title vi "…" })
        state submitted { initial; title vi "Mới đăng ký"; on receive -> done by clerk; on refuse -> done by clerk }
                                                                                           ^~~~~~
$tmp/ti/procedures/t.proc:5:11: warning[missing-title]: state 'done' has no Vietnamese title (add: title vi "…")
        state done { final; outcome granted }
              ^~~~
$tmp/ti/procedures/t.proc:7:42: warning[missing-title]: agency 'commune' has no Vietnamese title (declare: agency commune { title vi "…" })
    procedure p { title vi "Thủ tục"; agency commune; lifecycle l }
                                             ^~~~~~~
EOF
check "lint: a warning at each thing people see without a Vietnamese title, with its fix" \
    bash -c "'$bin' lint --catalogue '$tmp/ti' 2>&1 >/dev/null | diff '$tmp/ti.want' -"
check "lint: the title warnings count in the summary; they are not errors (exit 0)" \
    bash -c "'$bin' lint --catalogue '$tmp/ti' 2>/dev/null | grep -q ': 0 errors, 3 warnings\$'"
check "lint --format json: a title warning is a warning with its place" \
    bash -c "'$bin' lint --format json --catalogue '$tmp/ti' | python3 -c 'import json,sys; d=json.load(sys.stdin)[\"diagnostics\"]; assert [(x[\"line\"],x[\"column\"],x[\"severity\"]) for x in d]==[(4,88,\"warning\"),(5,11,\"warning\"),(7,42,\"warning\")], d'"
printf 'cost-model vn { default; hourly-income 40000 VND; hours-per-day 8; visit 4h 30000 VND }\n' >"$tmp/ti/procedures/cost.proc"
check "lint: other commands load the catalogue without the title warnings" \
    bash -c "'$bin' cost --catalogue '$tmp/ti' 2>'$tmp/ti.err' >/dev/null && [ ! -s '$tmp/ti.err' ] && '$bin' lint --catalogue '$tmp/ti' 2>&1 | grep -q ': 0 errors, 3 warnings\$'"
check "lint: the bundled catalogue has every title in Vietnamese" \
    bash -c "'$bin' lint --catalogue . 2>&1 | grep -q ': 0 errors, 0 warnings\$'"
# ---- simulate (issue 22): a year, the state's side, who gains, --runs, filters, --compare -------
# The volume bug: a reform that halves a volume halves the year on the same applicants.
mkdir -p "$tmp/simvol/procedures"
printf '%s\n' 'calendar c { default; hours 08:00-12:00 13:00-17:00 }' 'role clerk' \
    'cost-model m { default; hourly-income 40000 VND; hours-per-day 8; visit 1h 0 VND; count-waiting true }' \
    'lifecycle l { state a { initial; on go -> end by clerk chance 100%; takes 1wd } state end { final; outcome granted } }' \
    'procedure p { lifecycle l; time-limit 2wd; volume 1000 per year; visits 1; fee 10000 VND; agency a1 }' \
    'procedure q { lifecycle l; time-limit 1wd; volume 1000 per year; agency a2 }' \
    'reform half { procedure p { volume 500 per year } }' \
    'reform dear { procedure q { fee 5000 VND } }' >"$tmp/simvol/procedures/v.proc"
simv() { "$bin" simulate --catalogue "$tmp/simvol" --from 2026-01-05 --dossiers 200 "$@"; }
check "simulate honours a reform's volume: half of p's year" \
    bash -c "$(declare -f simv); bin='$bin' tmp='$tmp'; simv --reform half --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); b=[x for x in d[\"baseline\"][\"procedures\"] if x[\"name\"]==\"p\"][0]; r=[x for x in d[\"reformed\"][\"procedures\"] if x[\"name\"]==\"p\"][0]; assert b[\"cost_per_dossier\"]==r[\"cost_per_dossier\"] and 2*r[\"annual_cost\"]==b[\"annual_cost\"] and r[\"volume\"]==500, (b, r)'"
check "simulate: a year by the legal method equals cost's total when every dossier is alike" \
    bash -c "$(declare -f simv); bin='$bin' tmp='$tmp'; simv | grep -qE '^  legal method against cost +\+0\.00%$'"
check "simulate: a year's lines, the fee revenue and the staff-days by role" \
    bash -c "$(declare -f simv); bin='$bin' tmp='$tmp'; simv | grep -A8 '^a year' | grep -qE '^fee revenue of the state +10,000,000\$' && simv | grep -qE '^  clerk +2,000\$'"
check "simulate: who gains, who loses: the dearer fee raises the cost of q's 100 dossiers only" \
    bash -c "$(declare -f simv); bin='$bin' tmp='$tmp'; simv --reform dear | grep -qE '^all +200 +2,500 +100 +0\$'"
check "simulate --runs 3: each figure with its interval, in text, CSV and JSON" \
    bash -c "$(declare -f simv); bin='$bin' tmp='$tmp'; simv --runs 3 | grep -q '^over 3 runs (seeds 1 to 3)' && simv --runs 3 --format csv | head -1 | grep -q ',cost_per_dossier_lo95,cost_per_dossier_hi95,' && simv --runs 3 --format json | python3 -c 'import json,sys; i=json.load(sys.stdin)[\"intervals\"][\"baseline\"][\"lead_mean_wd\"]; assert i[\"low\"] <= i[\"mean\"] <= i[\"high\"], i'"
check "simulate --runs 1: exit 2 with the range" \
    bash -c "'$bin' simulate --runs 1 --catalogue '$cat' 2>&1 >/dev/null | grep -qxF \"motcua: --runs takes a whole number from 2 to 100, not '1' (see 'motcua help')\""
check "simulate --runs 0: exit 2" status 2 "$bin" simulate --runs 0 --catalogue "$cat"
check "simulate --runs x: exit 2" status 2 "$bin" simulate --runs x --catalogue "$cat"
check "simulate --runs with --compare: exit 2" status 2 "$bin" simulate --runs 3 --compare civil-data-2026 --catalogue "$cat"
check "simulate --agency: only its procedures, all the dossiers theirs" \
    bash -c "$(declare -f simv); bin='$bin' tmp='$tmp'; simv --agency a2 --format csv | cut -d, -f1,2,5 | diff - <(printf '%s\n' procedure,agency,dossiers q,a2,200 total,,200)"
check "simulate --procedure matching nothing: exit 1, said" \
    bash -c "$(declare -f simv); bin='$bin' tmp='$tmp'; simv --procedure 'zz*' 2>&1 >/dev/null | grep -qxF 'motcua: no procedure with a volume passes the filters: nothing to simulate'"
check "simulate --by agency: a subtotal per agency" \
    bash -c "$(declare -f simv); bin='$bin' tmp='$tmp'; simv --by agency | grep -A3 '^by agency:' | awk '{print \$1, \$2}' | diff - <(printf '%s\n' 'by agency:' 'agency dossiers' 'a1 100' 'a2 100')"
check "simulate --income: changed for this run, said" \
    bash -c "$(declare -f simv); bin='$bin' tmp='$tmp'; simv --income 30000 | sed -n '3,4p' | diff - <(printf '%s\n' 'changed for this run:' '  hourly income 30,000 VND (the cost model m says 40,000)')"
check "simulate --compare: one column per reform" \
    bash -c "$(declare -f simv); bin='$bin' tmp='$tmp'; simv --compare half,dear | sed -n 4p | grep -qE '^ +baseline +half +dear\$'"
check "simulate --compare: the on-time rate moves by points, not by a percentage of itself" \
    bash -c "'$bin' simulate --catalogue . --dossiers 20000 --seed 1 --from 2026-01-15 --compare data-simplification-2026,civil-data-2026 2>/dev/null | grep -E '^on time \\(%\\) ' | grep -qE '^on time \\(%\\) +96\\.12 +94\\.68 \\(-1\\.44 pt\\) +96\\.12 \\(\\+0\\.00 pt\\)\$'"
check "simulate --reform A --reform B: both applied, in order, and named" \
    bash -c "$(declare -f simv); bin='$bin' tmp='$tmp'; simv --reform half --reform dear | head -1 | grep -q 'reforms half, dear\$'"
check "simulate: dossiers that each take one working day print 1.00 as the mean, the median, p90 and the Decision 766 mean" \
    bash -c "$(declare -f simv); bin='$bin' tmp='$tmp'; simv >'$tmp/one' && grep -qE '^lead time, mean \(wd\) +1\.00\$' '$tmp/one' && grep -qE '^lead time, p50 \(wd\) +1\.00\$' '$tmp/one' && grep -qE '^lead time, p90 \(wd\) +1\.00\$' '$tmp/one' && grep -qE '^baseline .* 1\.00\$' '$tmp/one'"

check "simulate --jobs 0: exit 2, one line" \
    bash -c "'$bin' simulate --jobs 0 --catalogue '$cat' 2>&1 >/dev/null | grep -qxF \"motcua: --jobs takes a whole number from 1 to 256, not '0' (see 'motcua help')\""
check "simulate --jobs x: exit 2" status 2 "$bin" simulate --jobs x --catalogue "$cat"
check "simulate --jobs 257: exit 2" status 2 "$bin" simulate --jobs 257 --catalogue "$cat"
check "simulate --jobs 1 and --jobs 3: the same output, byte for byte" \
    bash -c "'$bin' simulate --catalogue . --reform data-simplification-2026 --from 2026-01-15 --dossiers 3000 --format json --jobs 1 >'$tmp/j1' 2>/dev/null && '$bin' simulate --catalogue . --reform data-simplification-2026 --from 2026-01-15 --dossiers 3000 --format json --jobs 3 >'$tmp/j3' 2>/dev/null && cmp -s '$tmp/j1' '$tmp/j3' && grep -q '\"dossiers\"' '$tmp/j1'"
# lint --strict and allow comments (issue 24): warnings as errors for CI; an allow accepts a
# warning in place, and one that accepts nothing is said by lint only.
check "lint --strict: warnings are errors, exit 1" \
    bash -c "'$bin' lint --strict --catalogue '$tmp/warn' 2>'$tmp/strict.err' | grep -q ': [1-9][0-9]* errors\?, 0 warnings\$' && grep -q '^$tmp/warn/procedures/w.proc:5:9: error\[unreachable-state\]: ' '$tmp/strict.err' && ! '$bin' lint --strict --catalogue '$tmp/warn' >/dev/null 2>&1"
check "lint --strict: a catalogue without warnings exits 0" status 0 "$bin" lint --strict --catalogue .
mkdir -p "$tmp/allow/procedures"
printf '%s\n' 'role clerk { title vi "Cán bộ" }' 'lifecycle l {' '  event go { title vi "Đi" }' \
    '  state a { initial; title vi "A"; on go -> b by clerk }' '  state b { final; title vi "B" }' \
    '  state c { final; title vi "C" } # lint: allow unreachable-state — kept for 2024' '}' \
    '# lint: allow same-code — nothing here' >"$tmp/allow/procedures/a.proc"
check "lint: an allow accepts its warning; a stale one is said, once, with its name" \
    bash -c "'$bin' lint --catalogue '$tmp/allow' 2>&1 >/dev/null | diff - <(printf '%s\n' \"$tmp/allow/procedures/a.proc:8:15: warning[allow-stale]: this allow accepts no 'same-code' warning on line 9: remove it\" '    # lint: allow same-code — nothing here' '                  ^~~~~~~~~')"
check "lint --format json: a warning's name" \
    bash -c "'$bin' lint --format json --catalogue '$tmp/allow' | python3 -c 'import json,sys; d=json.load(sys.stdin)[\"diagnostics\"]; assert [(x[\"name\"],x[\"severity\"]) for x in d]==[(\"allow-stale\",\"warning\")], d'"

# A fee rule that fails (issue 24): cost refuses the study, exit 1, unless --keep-going.
mkdir -p "$tmp/feefail/procedures" "$tmp/feefail/rules"
printf '%s\n' 'role clerk { title vi "Cán bộ" }' 'lifecycle l {' '  event go { title vi "Đi" }' \
    '  state a { initial; title vi "A"; on go -> b by clerk }' \
    '  state b { final; title vi "B"; outcome granted }' '}' \
    'cost-model m { default; hourly-income 40000 VND; hours-per-day 8; visit 4h 30000 VND }' \
    'procedure copy { lifecycle l; volume 100 per year; fee rule fees.copy' \
    '  field bad { type bool; sample 20%; title vi "Lỗi" }' '}' >"$tmp/feefail/procedures/a.proc"
printf '%s\n' 'function copy(d)' '  if d.fields.bad then error("boom") end' '  return 1000' 'end' \
    >"$tmp/feefail/rules/fees.lua"
check "cost: a fee rule that fails is an error, exit 1, the study not printed" \
    bash -c "'$bin' cost --catalogue '$tmp/feefail' >'$tmp/ff.out' 2>'$tmp/ff.err'; [ \$? = 1 ] && [ ! -s '$tmp/ff.out' ] && diff '$tmp/ff.err' <(printf '%s\n' \"motcua: copy: fee rule fees.copy fails where bad=true (20.00% of dossiers): rule fees.copy: $tmp/feefail/rules/fees.lua:2: boom\" \"motcua: 1 fee rule failure: those dossiers' fees would count as 0; fix the rule, or give --keep-going to print the study anyway\")"
check "cost --keep-going: the study, and the failure as a warning, exit 0" \
    bash -c "'$bin' cost --keep-going --catalogue '$tmp/feefail' >'$tmp/ff.out' 2>'$tmp/ff.err' && grep -q '^copy ' '$tmp/ff.out' && grep -qxF \"motcua: warning: copy: fee rule fees.copy fails where bad=true (20.00% of dossiers): rule fees.copy: $tmp/feefail/rules/fees.lua:2: boom\" '$tmp/ff.err'"

check "simulate: a fee rule that fails stops the run, exit 1, said in one line per failure" \
    bash -c "'$bin' simulate --catalogue '$tmp/feefail' --dossiers 100 --from 2026-01-01 >'$tmp/sf.out' 2>'$tmp/sf.err'; [ \$? = 1 ] && [ ! -s '$tmp/sf.out' ] && diff '$tmp/sf.err' <(printf '%s\n' \"motcua: copy: a synthetic applicant was refused at submission: rule fees.copy: $tmp/feefail/rules/fees.lua:2: boom\" 'motcua: 21 rule failures in the simulation: the dossiers they touched are not what the catalogue means; fix the rules, or give --keep-going to print the figures anyway')"
check "simulate --keep-going: the figures, the failure as a warning, exit 0" \
    bash -c "'$bin' simulate --keep-going --catalogue '$tmp/feefail' --dossiers 100 --from 2026-01-01 >'$tmp/sf.out' 2>'$tmp/sf.err' && grep -q '^dossiers ' '$tmp/sf.out' && grep -q '^motcua: warning: copy: a synthetic applicant was refused at submission: rule fees.copy' '$tmp/sf.err'"

# Interconnected procedures (issue 25): show and history of a dossier and its parts, the scenario
# steps `part` and `whole` and their mistakes.
icdb="$tmp/ic.db"
printf 'document,subject,reference,issued\nelectronic-birth-notice,001092013131,CS-BV-1,2026-03-01\n' >"$tmp/ic-eh.csv"
printf 'document,subject,reference,issued\ncitizen-identity,001092013131,CCCD-1,2021-06-01\nresidence-information,001092013131,CT-1,2021-06-01\n' >"$tmp/ic-pop.csv"
ic() { "$bin" "$@" --catalogue . --db "$icdb"; }
ic registry import e-health "$tmp/ic-eh.csv" --now 2026-03-02T08:00 >/dev/null
ic registry import population "$tmp/ic-pop.csv" --now 2026-03-02T08:00 >/dev/null
ic submit birth-residence-insurance --field citizen-id=001092013131 --field birth-date=2026-03-01 \
    --attach interconnected-declaration --channel online --now 2026-03-02T09:10 >/dev/null
ic fire 2 approve --as head --now 2026-03-02T10:00 >/dev/null
ic fire 4 approve --as head --now 2026-03-05T09:00 >/dev/null
check "show: an interconnected dossier lists its parts, each with its dossier, agency and state, a late one said" \
    bash -c "'$bin' show 1 --catalogue . --db '$icdb' --now 2026-03-05T09:30 | sed -n '4,7p' | diff - <(printf '%s\n' '  parts:' '    birth: dossier 2 at commune-committee, done' '    residence: dossier 3 at commune-police, processing, late' '    insurance: dossier 4 at social-insurance-office, done, late')"
check "show --lang vi: the parts by their titles and their agencies' titles" \
    bash -c "'$bin' show 1 --lang vi --catalogue . --db '$icdb' --now 2026-03-05T09:30 | grep -qxF '    Cấp thẻ bảo hiểm y tế (insurance): hồ sơ số 4 tại Cơ quan bảo hiểm xã hội (social-insurance-office), Đã giải quyết xong (done), trễ hạn'"
check "show: a part names the interconnected dossier it belongs to" \
    bash -c "'$bin' show 3 --catalogue . --db '$icdb' --now 2026-03-05T09:30 | grep -qxF \"  part 'residence' of interconnected dossier 1\""
check "history: each part started, with its dossier" \
    bash -c "'$bin' history 1 --catalogue . --db '$icdb' --now 2026-03-05T09:30 | grep -c 'part-started system     [a-z]* -> dossier [234]' | grep -qx 3"
check "show --format json: the parts, and a part's parent" \
    bash -c "'$bin' show 1 --format json --catalogue . --db '$icdb' --now 2026-03-05T09:30 | python3 -c 'import json,sys; p=json.load(sys.stdin)[\"parts\"]; assert [(x[\"part\"],x[\"status\"],x[\"dossier\"]) for x in p]==[(\"birth\",\"ended\",2),(\"residence\",\"running\",3),(\"insurance\",\"ended\",4)] and p[2][\"late\"] is True and p[0][\"late\"] is False, p' && '$bin' show 3 --format json --catalogue . --db '$icdb' --now 2026-03-05T09:30 | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"parent\"]==1 and d[\"part\"]==\"residence\" and d[\"part_title\"][\"vi\"]==\"Đăng ký thường trú\", d'"
check "explain: the parts, a waiting one with the parts it waits for" \
    bash -c "'$bin' explain 1 --catalogue . --db '$icdb' --now 2026-03-05T09:30 | grep -qxF '    residence: dossier 3 at commune-police, processing, late'"
check "fire: nobody fires the engine's parts-done, exit 1" \
    bash -c "'$bin' fire 1 parts-done --as head --catalogue . --db '$icdb' --now 2026-03-05T09:40 2>&1 | grep -qF 'is fired by motcua when the parts of an interconnected dossier end, not by a person'"
printf 'scenario "x" {\n now 2025-07-15T09:00\n submit birth-residence-insurance { citizen-id "001092013131" }\n part residense\n part birth\n fire return-result by clerk\n whole\n fire return-result by clerk\n}\n' >"$tmp/ic1.scenario"
check "test: part is checked against the parts (with a suggestion), the steps after it against the part's procedure" \
    bash -c "'$bin' test --catalogue . '$tmp/ic1.scenario' 2>&1 | grep -E '^$tmp/ic1.scenario' | diff - <(printf '%s\n' \"$tmp/ic1.scenario:4:7: error: unknown part 'residense' (did you mean 'residence'?)\" \"$tmp/ic1.scenario:6:7: error: unknown event 'return-result' of procedure 'ic-birth-registration'\")"
printf 'scenario "x" {\n now 2025-07-15T09:00\n submit birth-residence-insurance { citizen-id "001092013131"; attach interconnected-declaration }\n part residence\n}\n' >"$tmp/ic2.scenario"
check "test: a part that has not started stops the scenario with the reason" \
    bash -c "'$bin' test --catalogue . '$tmp/ic2.scenario' | grep -qF \"$tmp/ic2.scenario:4: part 'residence' has not started: the parts before it are not all granted\""
printf 'scenario "x" {\n now 2025-07-15T09:00\n submit birth-registration { citizen-id "001092013131" }\n part birth\n}\n' >"$tmp/ic3.scenario"
check "test: part on a procedure that is not interconnected is an error" \
    bash -c "'$bin' test --catalogue . '$tmp/ic3.scenario' 2>&1 | grep -qF \"error: procedure 'birth-registration' is not interconnected: it has no parts\""

echo "1..$n"
