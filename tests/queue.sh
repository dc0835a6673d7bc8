#!/usr/bin/env bash
# The queue (GET /api/dossiers, docs/api.md): pages with a limit and a cursor, final dossiers
# left out unless asked, filters, the order (overdue first, then due, then id), bad parameters,
# cursors forged or stale, and what each token sees; the search by the applicant's name
# (accents and case aside), the counts of the first page, and `motcua list`'s pages. Prints TAP lines; run by
# tools/run-tests.sh as  bash tests/queue.sh BUILD/motcua, and again with MC_TEST_PG set, on
# PostgreSQL.
set -u
bin=${1:?usage: queue.sh MOTCUA}
cat=tests/fixtures/cli-catalogue
tmp=$(mktemp -d)
pid=""
writer=""
trap '[ -n "$writer" ] && kill "$writer" 2>/dev/null; [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"

if [ -n "${MC_TEST_PG:-}" ]; then
    psql -X -q -d "$MC_TEST_PG" -c "CREATE SCHEMA queue_$$" >/dev/null || exit 1
    db="$MC_TEST_PG options='-csearch_path=queue_$$'"
else
    db=$tmp/queue.db
fi

# Tokens: a clerk of the catalogue's agency, one of another agency, a supervisor of every
# agency, and an applicant (079123456789).
{
    echo "$("$bin" hash-token clerk-secret) lan clerk commune-committee"
    echo "$("$bin" hash-token other-secret) minh clerk other-agency"
    echo "$("$bin" hash-token star-secret) tam clerk *"
    echo "$("$bin" hash-token citizen-secret) an applicant - 079123456789"
} >"$tmp/tokens"

. tools/serve-lib.sh
url=""
start() { # start NOW: a server of the store as of NOW
    serve_start "$tmp/serve.out" "$tmp/serve.err" "$bin" --tokens "$tmp/tokens" --db "$db" \
        --catalogue "$cat" --now "$1"
    pid=$serve_pid
    url="http://127.0.0.1:$serve_port"
    [ -n "$serve_port" ] || {
        fail "the server starts" "$(cat "$tmp/serve.err")"
        echo "1..$n"
        exit 1
    }
}
stop() {
    kill "$pid"
    wait "$pid" 2>/dev/null
    pid=""
}
get() { # get TOKEN PATH: the status, the body in $tmp/r
    curl -s -o "$tmp/r" -w '%{http_code}' -H "Authorization: Bearer $1" "$url$2"
}
post() { # post PATH BODY
    curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer clerk-secret' \
        --data-binary "$2" "$url$1"
}
dossier() { # dossier SUBJECT: a submission's body
    printf '{"procedure":"birth-registration","fields":{"citizen-id":"%s","parents-married":false},"attach":["birth-notice","citizen-identity"]}' "$1"
}

# 60 dossiers: every sixth of the applicant; 1–30 received (their clock runs: due at 17:00 of
# the day received), 31–35 refused at reception (final). Received on two days, so that dues
# differ.
start 2025-07-14T09:00
bad=0
for i in $(seq 60); do
    subject=0791234560$(printf %02d "$i")
    [ $((i % 6)) -eq 0 ] && subject=079123456789
    [ "$(post /api/dossiers "$(dossier "$subject")")" = 201 ] || bad=$((bad + 1))
done
for i in $(seq 16 30); do
    [ "$(post "/api/dossiers/$i/events" '{"event":"receive"}')" = 200 ] || bad=$((bad + 1))
done
for i in $(seq 31 35); do
    [ "$(post "/api/dossiers/$i/events" '{"event":"refuse-reception"}')" = 200 ] || bad=$((bad + 1))
done
stop
start 2025-07-15T09:00
for i in $(seq 1 15); do
    [ "$(post "/api/dossiers/$i/events" '{"event":"receive"}')" = 200 ] || bad=$((bad + 1))
done
stop
[ "$bad" -eq 0 ] && ok "60 dossiers submitted, 30 received, 5 refused" || fail "the set-up" "$bad requests failed"

# On the 15th at noon, 16–30 (due the 14th at 17:00) are overdue; 1–15 are due at 17:00.
start 2025-07-15T12:00

# walk TOKEN QUERY: every page of the listing, limit 7 unless QUERY says; prints one line per
# dossier "id state overdue due final" in the order given, and "pages N" last. Fails (exit 1)
# on a status other than 200 or a page longer than its limit.
walk() {
    local token=$1 query=$2 cursor="" pages=0
    rm -f "$tmp/walk"
    while :; do
        local path="/api/dossiers?$query"
        [ -n "$cursor" ] && path="$path&cursor=$cursor"
        [ "$(get "$token" "$path")" = 200 ] || { echo "status $(cat "$tmp/r")"; return 1; }
        pages=$((pages + 1))
        cursor=$(python3 -c 'import json,sys,re
d=json.load(open(sys.argv[1]))
m=re.search(r"limit=(\d+)", sys.argv[2]); lim=int(m.group(1)) if m else 50
assert len(d["dossiers"]) <= lim, "a page longer than its limit"
assert d.get("next") is None or len(d["dossiers"]) == lim, "a short page with a next"
for x in d["dossiers"]:
    print(x["id"], x["state"], int(x["overdue"]), x["due"] or "-", int(x["final"]), file=sys.stderr)
print(d.get("next") or "")' "$tmp/r" "$query" 2>>"$tmp/walk") || return 1
        [ -z "$cursor" ] && break
        [ "$pages" -gt 200 ] && { echo "no end"; return 1; }
    done
    cat "$tmp/walk"
    rm -f "$tmp/walk"
    echo "pages $pages"
}
# in_order FILE: the rows are in the queue's order (overdue first, due with none last, id)
in_order() {
    python3 -c 'import sys
rows=[l.split() for l in open(sys.argv[1]) if not l.startswith("pages")]
key=[(-int(r[2]), r[3] if r[3] != "-" else "~", int(r[0])) for r in rows]
assert key == sorted(key), key' "$1"
}
ids() { grep -v '^pages' "$1" | cut -d' ' -f1 | sort -n | tr '\n' ' '; }

walk clerk-secret "limit=7" >"$tmp/all" 2>&1 || fail "the clerk walks the queue" "$(cat "$tmp/all")"
want=$(seq 1 60 | grep -vxE '3[1-5]' | tr '\n' ' ')
[ "$(ids "$tmp/all")" = "$want" ] && grep -qx 'pages 8' "$tmp/all" &&
    ok "pages of 7 walk the 55 open dossiers once each, final ones left out, in 8 pages" ||
    fail "pages of 7 walk the 55 open dossiers once each" "got: $(ids "$tmp/all")" "want: $want" "$(tail -n 1 "$tmp/all")"
in_order "$tmp/all" && [ "$(head -n 1 "$tmp/all")" = "16 processing 1 2025-07-14T17:00 0" ] &&
    [ "$(grep -v pages "$tmp/all" | sed -n 16p)" = "1 processing 0 2025-07-15T17:00 0" ] &&
    [ "$(grep -v pages "$tmp/all" | sed -n 31p | cut -d' ' -f1-4)" = "36 submitted 0 -" ] &&
    ok "overdue first, then by due instant (none last), then by id" ||
    fail "the queue's order" "$(head -n 3 "$tmp/all")"

[ "$(get clerk-secret /api/dossiers)" = 200 ] &&
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["dossiers"])==50 and d["next"], d.keys()' "$tmp/r" &&
    ok "without a limit a page has 50 rows and a next" || fail "the default limit" "$(head -c 300 "$tmp/r")"
[ "$(get clerk-secret '/api/dossiers?limit=55')" = 200 ] &&
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["dossiers"])==55 and d["next"] is None' "$tmp/r" &&
    ok "a page holding the rest has next null" || fail "the last page" "$(head -c 300 "$tmp/r")"

walk clerk-secret "limit=2&final=only" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "31 32 33 34 35 " ] && ok "final=only lists the 5 refused" || fail "final=only" "$(cat "$tmp/f")"
walk clerk-secret "limit=500&final=include" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "$(seq 1 60 | tr '\n' ' ')" ] && in_order "$tmp/f" && ok "final=include lists all 60, in order" ||
    fail "final=include" "$(cat "$tmp/f")"

# Filters combined, each page checked.
walk clerk-secret "limit=4&state=processing&overdue=1" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "$(seq 16 30 | tr '\n' ' ')" ] && ! grep -v pages "$tmp/f" | grep -vq ' processing 1 ' &&
    ok "state and overdue combined, in pages of 4" || fail "state and overdue" "$(cat "$tmp/f")"
walk clerk-secret "limit=3&state=processing&due-before=2025-07-15" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "$(seq 16 30 | tr '\n' ' ')" ] && ok "due-before a date: only those due earlier" || fail "due-before a date" "$(cat "$tmp/f")"
walk clerk-secret "limit=3&due-before=2025-07-15T17:01&overdue=0" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "$(seq 1 30 | tr '\n' ' ')" ] && ok "due-before an instant, overdue=0 lists all" || fail "due-before an instant" "$(cat "$tmp/f")"
walk clerk-secret "limit=9&procedure=birth-registration&state=submitted" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "$(seq 36 60 | tr '\n' ' ')" ] && ok "procedure and state combined" || fail "procedure and state" "$(cat "$tmp/f")"
walk clerk-secret "procedure=no-such-procedure" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "" ] && grep -qx 'pages 1' "$tmp/f" && ok "an unknown procedure lists nothing" || fail "an unknown procedure" "$(cat "$tmp/f")"
walk star-secret "limit=10&agency=commune-committee" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "$want" ] && ok "a supervisor lists one agency" || fail "agency filter" "$(cat "$tmp/f")"
walk star-secret "limit=10&agency=other-agency" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "" ] && ok "an agency with no dossiers lists none" || fail "agency filter, none" "$(cat "$tmp/f")"

# Who sees what, through every filter.
walk other-secret "limit=5" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "" ] && grep -qx 'pages 1' "$tmp/f" && ok "another agency's clerk lists none, in one page" ||
    fail "another agency" "$(cat "$tmp/f")"
walk other-secret "limit=5&agency=commune-committee&final=include" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "" ] && ok "asking for another agency shows none of it" || fail "another agency, asked" "$(cat "$tmp/f")"
mine="6 12 18 24 30 36 42 48 54 60 "
walk citizen-secret "limit=3" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "$mine" ] && grep -qx 'pages 4' "$tmp/f" && ok "the applicant walks only its own 10, pages full" ||
    fail "the applicant's pages" "$(cat "$tmp/f")"
for q in "limit=2&state=processing" "limit=2&overdue=1" "limit=2&final=include" \
    "limit=1&due-before=2026-01-01" "limit=4&procedure=birth-registration&state=submitted"; do
    walk citizen-secret "$q" >"$tmp/f" 2>&1
    if python3 -c 'import sys; mine={6,12,18,24,30,36,42,48,54,60}
got=[int(l.split()[0]) for l in open(sys.argv[1]) if not l.startswith("pages")]
assert got and set(got) <= mine, got' "$tmp/f"; then
        ok "the applicant sees only its own with $q"
    else
        fail "the applicant sees only its own with $q" "$(cat "$tmp/f")"
    fi
done

# Search (q=): a subject's dossiers, or a dossier by id; the token's rules still hold.
walk clerk-secret "limit=3&q=079123456789" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "$mine" ] && ok "q=SUBJECT finds that subject's open dossiers" || fail "search by subject" "$(cat "$tmp/f")"
walk clerk-secret "limit=3&q=079123456789&state=processing&overdue=1" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "18 24 30 " ] && ok "a search with filters" || fail "search with filters" "$(cat "$tmp/f")"
walk clerk-secret "q=42" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "42 " ] && ok "q=ID finds the dossier" || fail "search by id" "$(cat "$tmp/f")"
walk clerk-secret "q=079123456007" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "7 " ] && ok "q= with a leading zero is a subject, not id 79123456007" || fail "search by a subject with a leading zero" "$(cat "$tmp/f")"
walk clerk-secret "q=nobody" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "" ] && ok "a search that matches nothing lists nothing" || fail "a search of nothing" "$(cat "$tmp/f")"
walk other-secret "q=079123456789&final=include" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "" ] && ok "another agency's search finds none of this agency's" || fail "another agency's search" "$(cat "$tmp/f")"
walk citizen-secret "q=079123456001" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "" ] && ok "the applicant's search for another subject finds nothing" || fail "the applicant's search" "$(cat "$tmp/f")"
walk citizen-secret "q=1" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "" ] && ok "the applicant's search for another's dossier id finds nothing" || fail "the applicant's search by id" "$(cat "$tmp/f")"
walk citizen-secret "q=6" >"$tmp/f" 2>&1
[ "$(ids "$tmp/f")" = "6 " ] && ok "the applicant finds its own dossier by id" || fail "the applicant's own by id" "$(cat "$tmp/f")"

# Bad parameters: 400 with its message, never a page.
bad400() { # bad400 NAME PATH MESSAGE
    local got
    got=$(get clerk-secret "$2")
    local msg
    msg=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["error"] + ": " + d["message"])' "$tmp/r" 2>/dev/null)
    [ "$got" = 400 ] && [ "$msg" = "$3" ] && ok "$1" || fail "$1" "status $got: $msg" "want: $3"
}
limit_msg="bad-request: limit is a number from 1 to 500"
bad400 "limit=0 is 400" "/api/dossiers?limit=0" "$limit_msg"
bad400 "limit=501 is 400" "/api/dossiers?limit=501" "$limit_msg"
bad400 "limit=-1 is 400" "/api/dossiers?limit=-1" "$limit_msg"
bad400 "limit=ten is 400" "/api/dossiers?limit=ten" "$limit_msg"
bad400 "limit=07 is 400" "/api/dossiers?limit=07" "$limit_msg"
bad400 "an empty limit is 400" "/api/dossiers?limit=" "$limit_msg"
bad400 "limit=99999999999999999999 is 400" "/api/dossiers?limit=99999999999999999999" "$limit_msg"
bad400 "final=yes is 400" "/api/dossiers?final=yes" "bad-request: final is exclude, include or only"
bad400 "overdue=2 is 400" "/api/dossiers?overdue=2" "bad-request: overdue is 1, true, 0 or false"
date_msg="bad-request: due-before is a date (YYYY-MM-DD) or an instant (YYYY-MM-DDTHH:MM)"
bad400 "due-before=tomorrow is 400" "/api/dossiers?due-before=tomorrow" "$date_msg"
bad400 "due-before=2025-02-30 is 400" "/api/dossiers?due-before=2025-02-30" "$date_msg"
bad400 "due-before=2025-07-15T25:00 is 400" "/api/dossiers?due-before=2025-07-15T25:00" "$date_msg"
bad400 "an empty q is 400" "/api/dossiers?q=" "bad-request: q is 1 to 200 characters"
bad400 "a q of 201 characters is 400" "/api/dossiers?q=$(printf '%0201d' 0)" "bad-request: q is 1 to 200 characters"
cursor_msg="bad-request: this cursor is not one this listing gave (the filters changed, or it was altered): start again without it"
get clerk-secret "/api/dossiers?limit=3" >/dev/null
c=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next"])' "$tmp/r")
IFS=. read -r co cd ci cc <<<"$c"
bad400 "a cursor of garbage is 400" "/api/dossiers?limit=3&cursor=garbage" "$cursor_msg"
bad400 "an empty cursor is 400" "/api/dossiers?limit=3&cursor=" "$cursor_msg"
bad400 "a cursor with its id changed is 400" "/api/dossiers?limit=3&cursor=$co.$cd.$((ci + 1)).$cc" "$cursor_msg"
bad400 "a cursor with its check changed is 400" "/api/dossiers?limit=3&cursor=$co.$cd.$ci.0000000000000000" "$cursor_msg"
bad400 "a cursor with a field more is 400" "/api/dossiers?limit=3&cursor=$c.1" "$cursor_msg"
bad400 "a cursor used with other filters (stale) is 400" "/api/dossiers?limit=3&state=submitted&cursor=$c" "$cursor_msg"
bad400 "a cursor used with final=include is 400" "/api/dossiers?limit=3&final=include&cursor=$c" "$cursor_msg"
get clerk-secret "/api/dossiers?limit=2&q=079123456789" >/dev/null
cq=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next"])' "$tmp/r")
bad400 "a search's cursor used for another search is 400 (and names no subject)" \
    "/api/dossiers?limit=2&q=079123456001&cursor=$cq" "$cursor_msg"
! grep -q 0791234560 "$tmp/serve.out" "$tmp/serve.err" && ok "the server's output names no searched subject" ||
    fail "the server's output names no searched subject" "$(grep 0791234560 "$tmp/serve.out" "$tmp/serve.err" | head -n 3)"
bad400 "a cursor used for another agency is 400" "/api/dossiers?limit=3&agency=other-agency&cursor=$c" "$cursor_msg"
# A valid cursor in another token's hands: it only says where to go on, the token's rules hold.
[ "$(get other-secret "/api/dossiers?limit=3&cursor=$c")" = 200 ] &&
    python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["dossiers"]==[]' "$tmp/r" &&
    ok "another agency's clerk with the clerk's cursor sees none of its rows" || fail "a cursor of another token" "$(head -c 300 "$tmp/r")"
[ "$(get citizen-secret "/api/dossiers?limit=3&cursor=$c")" = 200 ] &&
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["dossiers"]; assert d and all(x["id"] % 6 == 0 for x in d), d' "$tmp/r" &&
    ok "the applicant with the clerk's cursor sees only its own" || fail "a cursor in the applicant's hands" "$(head -c 300 "$tmp/r")"

# The list is a read: in the access log, the applicant's under its subject.
stop
"$bin" audit --subject 079123456789 --db "$db" >"$tmp/audit" 2>&1
grep -q 'an .*GET /api/dossiers *$' "$tmp/audit" && ok "the applicant's listing is in the access log" ||
    fail "the applicant's listing is in the access log" "$(tail -n 3 "$tmp/audit")"

# Paging while dossiers arrive: a writer submits 40 more as the clerk walks in pages of 5; each
# dossier there before the walk began is seen exactly once, and no row twice.
start 2025-07-15T12:00
(for i in $(seq 40); do post /api/dossiers "$(dossier "0791234570$(printf %02d "$i")")" >/dev/null; done) &
writer=$!
walk clerk-secret "limit=5&final=include" >"$tmp/w" 2>&1
wait "$writer"
writer=""
python3 -c 'import sys
got=[int(l.split()[0]) for l in open(sys.argv[1]) if not l.startswith("pages")]
assert len(got) == len(set(got)), "a row twice"
assert set(range(1, 61)) <= set(got), sorted(set(range(1, 61)) - set(got))
print(len(got) - 60)' "$tmp/w" >"$tmp/wn" 2>&1 &&
    ok "pages walk every dossier once while 40 are submitted ($(cat "$tmp/wn") new ones seen)" ||
    fail "pages while dossiers arrive" "$(cat "$tmp/wn")" "$(tail -n 3 "$tmp/w")"
[ "$(get clerk-secret '/api/dossiers?final=include&limit=500')" = 200 ] &&
    python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))["dossiers"])==100' "$tmp/r" &&
    ok "all 100 are there after" || fail "all 100 are there after" "$(head -c 200 "$tmp/r")"

# The applicant's name (the procedure's `applicant full-name`): a search finds the dossiers whose
# name begins with q, accents, case and runs of spaces aside; 101–105 are named.
named() { # named SUBJECT NAME: a submission's body with the applicant's name
    python3 -c 'import json,sys; print(json.dumps({"procedure":"birth-registration","fields":{"citizen-id":sys.argv[1],"full-name":sys.argv[2],"parents-married":False},"attach":["birth-notice","citizen-identity"]}))' "$1" "$2"
}
enc() { python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
bad=0
for s in "079123458001 Nguyễn Văn An" "079123458002 Nguyễn Văn Ánh" "079123458003 Trần Thị Đào" \
    "079123458004 NGUYỄN  THỊ BÉ" "079123456789 Lê Văn Cường"; do
    [ "$(post /api/dossiers "$(named "${s%% *}" "${s#* }")")" = 201 ] || bad=$((bad + 1))
done
[ "$bad" -eq 0 ] && ok "5 dossiers with the applicant's name submitted" || fail "named dossiers" "$bad failed"
search() { # search TOKEN TEXT: the ids the search lists, sorted
    walk "$1" "q=$(enc "$2")&limit=50" >"$tmp/f" 2>&1 || { cat "$tmp/f"; return; }
    ids "$tmp/f"
}
for c in "nguyen van an|101 102 " "Nguyễn Văn Ánh|102 " "NGUYEN|101 102 104 " "nguyen thi be|104 " \
    "  Nguyễn   văn |101 102 " "tran thi dao|103 " "TRẦN THỊ ĐÀO|103 " "đào|" "dao|" "van an|" \
    "nguyen van ab|"; do
    q=${c%%|*} want=${c#*|}
    got=$(search clerk-secret "$q")
    [ "$got" = "$want" ] && ok "q='$q' finds [${want% }]" || fail "q='$q'" "got: $got" "want: $want"
done
[ "$(search other-secret nguyen)" = "" ] && ok "another agency's search by name finds none of this agency's" ||
    fail "another agency's search by name" "$(cat "$tmp/f")"
[ "$(search citizen-secret "le van")" = "105 " ] && [ "$(search citizen-secret nguyen)" = "" ] &&
    ok "the applicant's search by name finds only its own" || fail "the applicant's search by name" "$(cat "$tmp/f")"
bad400 "a q that is not UTF-8 is 400" "/api/dossiers?q=Nguy%E1%BB" "bad-request: q is not UTF-8 text"
! grep -qi 'nguy\|%E1' "$tmp/serve.out" "$tmp/serve.err" && ok "the server's output names no searched name" ||
    fail "the server's output names no searched name" "$(grep -i 'nguy' "$tmp/serve.out" "$tmp/serve.err" | head -n 3)"

# Each row says who the dossier is about: its subject and the applicant's name as written
# (accents and case kept: the store's folded copy is for the search only), or null when the
# dossier has no name.
who() { # who TOKEN QUERY: "id subject applicant|…" of the page's rows
    get "$1" "/api/dossiers?$2" >/dev/null
    python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["dossiers"]: print("%s %s %s" % (r["id"], r["subject"], r["applicant"]), end="|")' "$tmp/r" 2>&1
}
got=$(who clerk-secret "q=$(enc "nguyen van")")
[ "$got" = "101 079123458001 Nguyễn Văn An|102 079123458002 Nguyễn Văn Ánh|" ] &&
    ok "a row carries the subject and the applicant's name as written" || fail "a row's subject and applicant" "$got"
got=$(who clerk-secret "q=$(enc "NGUYỄN  THỊ")")
[ "$got" = "104 079123458004 NGUYỄN  THỊ BÉ|" ] && ok "the name is given as it was written, spaces and case kept" ||
    fail "the name as written" "$got"
got=$(who clerk-secret "q=7")
[ "$got" = "7 079123456007 None|" ] && ok "a dossier without the applicant's name: applicant null, subject given" ||
    fail "a row without a name" "$got"
got=$(who citizen-secret "q=$(enc "le van")")
[ "$got" = "105 079123456789 Lê Văn Cường|" ] && ok "the applicant's own row carries its name" ||
    fail "the applicant's own row" "$got"
python3 -c 'import json,sys
rows=json.load(open(sys.argv[1]))["dossiers"]
assert rows and all(list(r) == ["id","procedure","agency","subject","applicant","state","due","overdue","final"] for r in rows), rows[:1]' "$tmp/r" 2>"$tmp/e" &&
    ok "a row's members are id, procedure, agency, subject, applicant, state, due, overdue, final" ||
    fail "a row's members" "$(cat "$tmp/e")"
stop
"$bin" list --catalogue "$cat" --db "$db" --now 2025-07-15T12:00 --search "Nguyễn Văn Ánh" --format json >"$tmp/l" 2>&1
python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))["dossiers"]
assert [(x["id"], x["subject"], x["applicant"]) for x in r] == [(102, "079123458002", "Nguyễn Văn Ánh")], r' "$tmp/l" 2>"$tmp/e" &&
    ok "list --format json: a row carries the subject and the applicant's name" || fail "list --format json's row" "$(cat "$tmp/e")" "$(head -c 300 "$tmp/l")"
"$bin" list --catalogue "$cat" --db "$db" --now 2025-07-15T12:00 --format json >"$tmp/l" 2>&1
python3 -c 'import json,sys
r={x["id"]: x for x in json.load(open(sys.argv[1]))}
assert r[1]["subject"] == "079123456001" and r[1]["applicant"] is None, r[1]
assert r[103]["applicant"] == "Trần Thị Đào", r[103]' "$tmp/l" 2>"$tmp/e" &&
    ok "list --format json without a page: the same members, null without a name" || fail "list --format json" "$(cat "$tmp/e")"
start 2025-07-15T12:00

# Counts: the first page says how many dossiers match the filters, by state, and how many are
# overdue; a page after a cursor does not (they were given with the first).
counts() { # counts TOKEN QUERY: "total overdue state=n ..." of the first page, or "none"
    get "$1" "/api/dossiers?$2" >/dev/null
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); c=d.get("counts")
if c is None: print("none"); sys.exit()
assert c["total"] == sum(c["states"].values()), c
print(c["total"], c["overdue"], " ".join("%s=%d" % kv for kv in sorted(c["states"].items())))' "$tmp/r"
}
want="100 15 processing=30 submitted=70"
[ "$(counts clerk-secret 'limit=1')" = "$want" ] && ok "the first page counts the open dossiers by state: $want" ||
    fail "counts of the first page" "got: $(counts clerk-secret 'limit=1')" "want: $want"
got=$(counts clerk-secret 'limit=1&final=include')
[ "$got" = "105 15 processing=30 refused=5 submitted=70" ] && ok "final=include counts the refused too" || fail "counts with final=include" "$got"
got=$(counts clerk-secret 'limit=1&overdue=1&state=processing')
[ "$got" = "15 15 processing=15" ] && ok "counts follow the filters" || fail "counts with filters" "$got"
got=$(counts clerk-secret "limit=1&q=$(enc nguyen)")
[ "$got" = "3 0 submitted=3" ] && ok "counts follow the search" || fail "counts with a search" "$got"
got=$(counts other-secret 'limit=1')
[ "$got" = "0 0 " ] && ok "another agency's clerk counts none of this agency's" || fail "counts of another agency" "$got"
got=$(counts citizen-secret 'final=include')
[ "$got" = "11 3 processing=5 submitted=6" ] && ok "the applicant counts only its own" || fail "the applicant's counts" "$got"
get clerk-secret "/api/dossiers?limit=3" >/dev/null
c=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next"])' "$tmp/r")
[ "$(counts clerk-secret "limit=3&cursor=$c")" = none ] && ok "a page after a cursor carries no counts" ||
    fail "counts after a cursor" "$(head -c 300 "$tmp/r")"
stop

# The tally the triggers keep is the rows' own count, after submissions, receptions, refusals
# and overdue marks.
tally="SELECT agency, procedure, state, final, overdue, sum(n) FROM dossier_tally GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) > 0 ORDER BY 1, 2, 3, 4, 5"
rows="SELECT coalesce(agency, ''), procedure, state, final, overdue, count(*) FROM dossier GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
if [ -n "${MC_TEST_PG:-}" ]; then
    sql() { psql -X -q -A -t -d "$MC_TEST_PG" -c "SET search_path = queue_$$" -c "$1"; }
else
    sql() { sqlite3 "$db" "$1"; }
fi
sql "$tally" >"$tmp/t1" 2>&1
sql "$rows" >"$tmp/t2" 2>&1
[ -s "$tmp/t1" ] && cmp -s "$tmp/t1" "$tmp/t2" && ok "the tally of the counts is the rows' count ($(wc -l <"$tmp/t1") groups)" ||
    fail "the tally of the counts" "$(diff "$tmp/t1" "$tmp/t2" | head -n 5)"

# motcua list pages the queue as the API does: --limit, --cursor, --search, the counts.
cli() { "$bin" list --catalogue "$cat" --db "$db" --now 2025-07-15T12:00 "$@"; }
cli --limit 1 --search "NGUYEN van" >"$tmp/l" 2>&1
grep -q '^next: ' "$tmp/l" && [ "$(grep -cE '^ +10[12] ' "$tmp/l")" = 1 ] &&
    grep -qx 'in all: 2 (0 overdue): submitted 2' "$tmp/l" && [ "$(wc -l <"$tmp/l")" = 3 ] &&
    ok "list --search finds by name, with the counts" || fail "list --search" "$(cat "$tmp/l")"
cli --limit 40 --format json >"$tmp/p1" 2>&1
c=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["dossiers"])==40 and d["counts"]["total"]==100; print(d["next"])' "$tmp/p1" 2>&1) &&
    ok "list --limit 40 --format json: a page, its next cursor and the counts" || fail "list --format json" "$c" "$(head -c 300 "$tmp/p1")"
seen=$(python3 -c 'import json,sys; print(" ".join(str(x["id"]) for x in json.load(open(sys.argv[1]))["dossiers"]))' "$tmp/p1")
pages=1
while [ -n "$c" ] && [ "$c" != None ] && [ "$pages" -lt 10 ]; do
    cli --limit 40 --cursor "$c" --format json >"$tmp/p" 2>&1 || break
    seen="$seen $(python3 -c 'import json,sys; print(" ".join(str(x["id"]) for x in json.load(open(sys.argv[1]))["dossiers"]))' "$tmp/p")"
    c=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "counts" not in d; print(d["next"])' "$tmp/p")
    pages=$((pages + 1))
done
[ "$(echo $seen | tr ' ' '\n' | sort -n | uniq | wc -l)" = 100 ] && [ "$(echo $seen | wc -w)" = 100 ] && [ "$pages" = 3 ] &&
    ok "list --cursor walks the 100 open dossiers once each in 3 pages" || fail "list paging" "pages $pages: $seen"
clibad() { # clibad NAME MESSAGE ARGS...: exit 2, the message, nothing on stdout
    local name=$1 msg=$2
    shift 2
    cli "$@" >"$tmp/o" 2>"$tmp/e"
    local rc=$?
    [ "$rc" = 2 ] && [ ! -s "$tmp/o" ] && [ "$(cat "$tmp/e")" = "motcua: $msg (see 'motcua help')" ] && ok "$name" ||
        fail "$name" "exit $rc: $(cat "$tmp/e")"
}
clibad "list --limit 0 is a usage error" "--limit is a number from 1 to 500" --limit 0
clibad "list --limit 501 is a usage error" "--limit is a number from 1 to 500" --limit 501
clibad "list --limit x is a usage error" "--limit is a number from 1 to 500" --limit x
clibad "list --search '' is a usage error" "--search is UTF-8 text of 1 to 200 bytes" --search ""
clibad "list --search of bytes that are not UTF-8 is a usage error" "--search is UTF-8 text of 1 to 200 bytes" --search "$(printf 'Nguy\xe1\xbb')"
cmsg="this cursor is not one this listing gave (the filters changed, or it was altered): start again without it"
clibad "list --cursor garbage is a usage error" "$cmsg" --cursor garbage
clibad "list --cursor with other filters is a usage error" "$cmsg" --limit 40 --state processing --cursor "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next"])' "$tmp/p1")"
clibad "an API cursor altered is a usage error" "$cmsg" --cursor 0.n.1.0000000000000000
echo "1..$n"
