#!/usr/bin/env bash
# Explicit migrations (issue 19): a store of an older schema, made by tools/oldstore.c as that
# version of motcua wrote it, is refused by the commands that read or write dossiers (the file
# unchanged: checksum and schema version), verified and backed up as it is, migrated by
# `motcua migrate` (backup, one transaction, verify), which a second time has nothing to do;
# a newer store, a file that is no store and a store that does not verify are refused and left
# as they were; serve refuses an older store and migrates it with --migrate. With a PostgreSQL
# connection string (third argument) the same on a PostgreSQL store of version 4, each store a
# schema of that database. Prints TAP lines; run by tools/run-tests.sh as
#   bash tests/migrate.sh BUILD/motcua BUILD/tools/oldstore ["host=DIR port=N dbname=mc"]
set -u
bin=${1:?usage: migrate.sh MOTCUA OLDSTORE [CONNINFO]}
oldstore=${2:?usage: migrate.sh MOTCUA OLDSTORE [CONNINFO]}
conn=${3:-}
cat=tests/fixtures/cli-catalogue
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"
# expect NAME STATUS TEXT COMMAND… : the command exits STATUS and its stderr is TEXT exactly
expect() {
    local name=$1 want=$2 text=$3
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -eq "$want" ] && [ "$(cat "$tmp/err")" = "$text" ]; then
        ok "$name"
    else
        no "$name" "exit $rc (want $want)" "$(cat "$tmp/out" "$tmp/err")"
    fi
}
. tools/serve-lib.sh
umask 077
"$bin" token add --tokens "$tmp/tokens" --actor lan --roles clerk --agency '*' >/dev/null 2>&1

# This motcua's schema version: a new store is created at it (creating is not migrating).
"$bin" submit birth-registration --catalogue "$cat" --db "$tmp/new.db" --now 2025-07-03T09:00 \
    --field citizen-id=001234567891 >/dev/null 2>&1
current=$(sqlite3 "$tmp/new.db" "PRAGMA user_version")
[ -n "$current" ] && [ "$current" -gt 1 ] && ok "a write command creates a new store at the current version ($current)" ||
    no "a write command creates a new store at the current version" "version '$current'"

if [ -z "$conn" ]; then
    # ---- SQLite ----
    db=$tmp/old.db
    "$oldstore" "$db" || no "oldstore makes a store of version 1"
    dump=$(sqlite3 "$db" .dump)
    state() { echo "$(sha256sum <"$db") $(sqlite3 "$db" "PRAGMA user_version")"; }
    before=$(state)
    [ "$(sqlite3 "$db" "PRAGMA user_version")" = 1 ] && ok "oldstore makes a store of version 1" ||
        no "oldstore makes a store of version 1" "$before"
    refusal="motcua: store: schema version 1 is older than this motcua ($current); run 'motcua migrate --db $db'"
    for args in "show 1" "list" "history 1" "explain 1" "tick" \
        "submit birth-registration --field citizen-id=001234567892" "fire 1 approve --as clerk"; do
        # shellcheck disable=SC2086
        expect "$(echo "$args" | cut -d' ' -f1) of a store of version 1: refused, exit 3, the command that migrates it" \
            3 "$refusal" "$bin" $args --db "$db" --catalogue "$cat" --now 2025-07-03T10:00
    done
    expect "audit of a store of version 1: refused likewise" 3 "$refusal" \
        "$bin" audit --subject 001234567890 --db "$db"
    expect "deploy-check of a store of version 1: refused likewise" 3 "$refusal" \
        "$bin" deploy-check --db "$db" --catalogue "$cat"
    # (report and registry print the catalogue's warnings first: their last line is the refusal)
    for args in "report" "registry show 001234567890"; do
        # shellcheck disable=SC2086
        "$bin" $args --db "$db" --catalogue "$cat" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        [ $rc = 3 ] && [ "$(tail -n 1 "$tmp/err")" = "$refusal" ] &&
            ok "$(echo "$args" | cut -d' ' -f1) of a store of version 1: refused likewise" ||
            no "$(echo "$args" | cut -d' ' -f1) of a store of version 1: refused likewise" "exit $rc" "$(cat "$tmp/err")"
    done
    [ "$(state)" = "$before" ] && ok "the refused commands left the file as it was (checksum, version 1)" ||
        no "the refused commands left the file as it was" "$before" "$(state)"

    # verify and backup work on it: they are what one runs before migrating.
    "$bin" verify --db "$db" >"$tmp/out" 2>&1
    rc=$?
    [ $rc = 0 ] && grep -q "the store is intact$" "$tmp/out" &&
        grep -qx "verify: note: the store is at schema version 1, older than this motcua's: it was verified as 'motcua migrate' would make it, in memory; the file was not changed" "$tmp/out" &&
        ok "verify of a store of version 1: intact, said to be verified as migrated, in memory" ||
        no "verify of a store of version 1" "exit $rc" "$(cat "$tmp/out")"
    "$bin" verify --db "$db" --format json >"$tmp/out" 2>&1
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["intact"] is True and d["older_schema"] == 1 and d["events"] == 2, d' "$tmp/out" &&
        ok "verify --format json of it: intact, older_schema 1" || no "verify --format json of it" "$(cat "$tmp/out")"
    "$bin" backup --db "$db" --to "$tmp/hand.bak" >"$tmp/out" 2>&1
    rc=$?
    [ $rc = 0 ] && [ "$(sqlite3 "$tmp/hand.bak" "PRAGMA user_version")" = 1 ] &&
        ok "backup of a store of version 1: a copy of version 1 ($(cat "$tmp/out"))" ||
        no "backup of a store of version 1" "exit $rc" "$(cat "$tmp/out")"
    [ "$(state)" = "$before" ] && [ ! -e "$db-wal" ] && ok "verify and backup left the file as it was, no -wal behind" ||
        no "verify and backup left the file as it was" "$before" "$(state)" "$(ls "$tmp")"

    # serve refuses it.
    timeout 20 "$bin" serve --listen 127.0.0.1:0 --tokens "$tmp/tokens" --db "$db" --catalogue "$cat" >"$tmp/o" 2>"$tmp/e"
    rc=$?
    [ $rc = 3 ] && [ "$(cat "$tmp/e")" = "$refusal, or start serve with --migrate" ] && ! grep -q http:// "$tmp/o" &&
        [ "$(state)" = "$before" ] &&
        ok "serve refuses a store of version 1: exit 3, migrate or --migrate, the file unchanged" ||
        no "serve refuses a store of version 1" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"

    # The failure paths of migrate: nothing migrated.
    : >"$tmp/taken.bak"
    expect "migrate with a backup file that exists: refused, nothing migrated" 3 \
        "motcua: migrate: backup: $tmp/taken.bak: File exists (nothing was overwritten); nothing was migrated" \
        "$bin" migrate --db "$db" --to-backup "$tmp/taken.bak"
    [ "$(state)" = "$before" ] && [ ! -s "$tmp/taken.bak" ] && ok "... the store and the file as they were" ||
        no "... the store and the file as they were" "$(state)"
    expect "migrate takes no arguments: exit 2" 2 \
        "motcua: migrate takes --db STORE [--to-backup FILE] (see 'motcua help')" \
        "$bin" migrate now --db "$db"
    expect "migrate of a store that does not exist: exit 3" 3 \
        "motcua: migrate: $tmp/none.db: no such store" "$bin" migrate --db "$tmp/none.db"
    [ ! -e "$tmp/none.db" ] && ok "... and it is not created" || no "... and it is not created"
    echo "just some text, long enough to be taken for a header by SQLite, and it is not....." >"$tmp/text.db"
    expect "migrate of a file that is no store: exit 1" 1 \
        "motcua: migrate: $tmp/text.db is not a motcua store (not a SQLite database)" \
        "$bin" migrate --db "$tmp/text.db"
    cp "$tmp/new.db" "$tmp/newer.db"
    sqlite3 "$tmp/newer.db" "PRAGMA user_version = 99"
    expect "migrate of a store of a newer schema: refused, exit 3" 3 \
        "motcua: migrate: store: schema version 99 is newer than this motcua ($current); upgrade motcua" \
        "$bin" migrate --db "$tmp/newer.db"
    [ "$(sqlite3 "$tmp/newer.db" "PRAGMA user_version")" = 99 ] && ! ls "$tmp"/newer.db.before-* >/dev/null 2>&1 &&
        ok "... left at version 99, no backup made" || no "... left at version 99, no backup made"
    # A store that does not verify: its backup does not either, so nothing is migrated.
    cp "$db" "$tmp/bad.db"
    sqlite3 "$tmp/bad.db" "DROP TRIGGER event_no_update; UPDATE event SET actor = 'mallory' WHERE seq = 2"
    "$bin" migrate --db "$tmp/bad.db" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc = 1 ] && grep -q "^motcua: migrate: backup: the copy does not verify, so it was removed: .*; nothing was migrated$" "$tmp/err" &&
        [ "$(sqlite3 "$tmp/bad.db" "PRAGMA user_version")" = 1 ] && [ ! -e "$tmp/bad.db.before-v$current.bak" ] &&
        ok "migrate of a store that does not verify: exit 1, no backup kept, still version 1" ||
        no "migrate of a store that does not verify" "exit $rc" "$(cat "$tmp/out" "$tmp/err")"

    # The migration.
    "$bin" migrate --db "$db" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    want="migrate: backup $db.before-v$current.bak written (mode 0600), 2 events; the copy verifies
migrate: schema version 1 to $current, backup $db.before-v$current.bak; verify: 2 events, 2 other chain entries: the store is intact"
    [ $rc = 0 ] && [ "$(cat "$tmp/out")" = "$want" ] && [ ! -s "$tmp/err" ] &&
        ok "migrate: a backup, version 1 to $current, verified" ||
        no "migrate: a backup, version 1 to $current, verified" "exit $rc" "$(cat "$tmp/out" "$tmp/err")"
    bak=$db.before-v$current.bak
    [ "$(sqlite3 "$db" "PRAGMA user_version")" = "$current" ] && [ "$(sqlite3 "$bak" "PRAGMA user_version")" = 1 ] &&
        [ "$(stat -c %a "$bak")" = 600 ] && [ "$(sqlite3 "$bak" .dump)" = "$dump" ] &&
        ok "the store is at version $current; its backup holds the old store row for row, 0600" ||
        no "the store is at version $current; its backup is the old file" "$(ls -l "$tmp")"
    "$bin" verify --db "$db" >"$tmp/out" 2>&1 && grep -q "the store is intact$" "$tmp/out" &&
        ! grep -q "older than" "$tmp/out" &&
        [ "$("$bin" verify --db "$db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["older_schema"])')" = None ] &&
        ok "the migrated store verifies (older_schema null)" ||
        no "the migrated store verifies" "$(cat "$tmp/out")"
    "$bin" show 1 --db "$db" --catalogue "$cat" --now 2025-07-03T10:00 >"$tmp/out" 2>&1 &&
        grep -q "processing" "$tmp/out" && ok "show reads the migrated store" ||
        no "show reads the migrated store" "$(cat "$tmp/out")"
    "$bin" submit birth-registration --catalogue "$cat" --db "$db" --now 2025-07-03T10:00 \
        --field citizen-id=001234567893 >"$tmp/out" 2>&1 && ok "submit writes to the migrated store" ||
        no "submit writes to the migrated store" "$(cat "$tmp/out")"
    after=$(sha256sum <"$db")
    "$bin" migrate --db "$db" >"$tmp/out" 2>&1
    rc=$?
    [ $rc = 0 ] && [ "$(cat "$tmp/out")" = "migrate: the store is at schema version $current, this motcua's: nothing to migrate" ] &&
        [ "$(sha256sum <"$db")" = "$after" ] && [ "$(ls "$tmp" | grep -c before-v)" = 1 ] &&
        ok "migrate again: nothing to migrate, exit 0, no second backup" ||
        no "migrate again: nothing to migrate" "exit $rc" "$(cat "$tmp/out")"

    # serve --migrate on another store of version 1: migrated (backup to the named file), then started.
    db2=$tmp/second.db
    "$oldstore" "$db2"
    if serve_start "$tmp/so" "$tmp/se" "$bin" --tokens "$tmp/tokens" --db "$db2" --catalogue "$cat" --migrate; then
        pid=$serve_pid
        grep -qx "serve --migrate: schema version 1 to $current, backup $db2.before-v$current.bak; verify: 2 events, 2 other chain entries: the store is intact" "$tmp/so" &&
            [ "$(sqlite3 "$db2" "PRAGMA user_version")" = "$current" ] &&
            [ "$(sqlite3 "$db2.before-v$current.bak" "PRAGMA user_version")" = 1 ] &&
            ok "serve --migrate: backed up, migrated, verified, then started" ||
            no "serve --migrate: backed up, migrated, verified, then started" "$(cat "$tmp/so" "$tmp/se")"
        kill -TERM "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        pid=
    else
        no "serve --migrate: backed up, migrated, verified, then started" "$(cat "$tmp/so" "$tmp/se")"
        kill "$serve_pid" 2>/dev/null
    fi
    # serve --migrate of a current store starts as ever.
    if serve_start "$tmp/so" "$tmp/se" "$bin" --tokens "$tmp/tokens" --db "$db2" --catalogue "$cat" --migrate; then
        pid=$serve_pid
        grep -qx "serve --migrate: the store is at schema version $current, this motcua's: nothing to migrate" "$tmp/so" &&
            ok "serve --migrate of a current store: nothing to migrate, started" ||
            no "serve --migrate of a current store" "$(cat "$tmp/so" "$tmp/se")"
        kill -TERM "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        pid=
    else
        no "serve --migrate of a current store" "$(cat "$tmp/so" "$tmp/se")"
        kill "$serve_pid" 2>/dev/null
    fi
else
    # ---- PostgreSQL: each store a schema of the database ----
    pgstore() { # pgstore NAME : the --db of a new schema holding a store of version 4
        psql -X -q -d "$conn" -c "CREATE SCHEMA mig_$$_$1" >/dev/null || return 1
        "$oldstore" --pg "$conn options='-csearch_path=mig_$$_$1'" || return 1
        echo "$conn options='-csearch_path=mig_$$_$1'"
    }
    version() { psql -X -q -A -t -d "$1" -c "SELECT max(version) FROM motcua_schema"; }
    db=$(pgstore one)
    [ "$(version "$db")" = 4 ] && ok "oldstore makes a PostgreSQL store of version 4" ||
        no "oldstore makes a PostgreSQL store of version 4" "$(version "$db")"
    refusal="motcua: store: schema version 4 is older than this motcua ($current); run 'motcua migrate --db STORE'"
    expect "list of a PostgreSQL store of version 4: refused, exit 3" 3 "$refusal" \
        "$bin" list --db "$db" --catalogue "$cat"
    expect "submit to it: refused, exit 3" 3 "$refusal" \
        "$bin" submit birth-registration --db "$db" --catalogue "$cat" --now 2025-07-03T10:00 --field citizen-id=001234567892
    expect "verify of it: refused (no snapshot of a server's store), exit 3" 3 \
        "$refusal" \
        "$bin" verify --db "$db"
    [ "$(version "$db")" = 4 ] && ok "... still version 4" || no "... still version 4" "$(version "$db")"
    timeout 20 "$bin" serve --listen 127.0.0.1:0 --tokens "$tmp/tokens" --db "$db" --catalogue "$cat" >"$tmp/o" 2>"$tmp/e"
    rc=$?
    [ $rc = 3 ] && [ "$(cat "$tmp/e")" = "$refusal, or start serve with --migrate" ] &&
        ok "serve refuses it: exit 3, migrate or --migrate" ||
        no "serve refuses it" "exit $rc" "$(cat "$tmp/o" "$tmp/e")"
    expect "migrate --to-backup of a PostgreSQL store: exit 2" 2 \
        "motcua: --to-backup is for a SQLite store; a PostgreSQL store is backed up with pg_dump or pg_basebackup before it is migrated (see 'motcua help')" \
        "$bin" migrate --db "$db" --to-backup "$tmp/x.bak"
    "$bin" migrate --db "$db" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    want="migrate: a PostgreSQL store: no file backup is taken here; take one with pg_dump or pg_basebackup before migrating (docs/operations.md, \"Upgrades and migrations\")
migrate: schema version 4 to $current; verify: 0 events, 0 other chain entries: the store is intact"
    [ $rc = 0 ] && [ "$(cat "$tmp/out")" = "$want" ] && [ "$(version "$db")" = "$current" ] &&
        ok "migrate of the PostgreSQL store: the pg_dump advice, version 4 to $current, verified" ||
        no "migrate of the PostgreSQL store" "exit $rc" "$(cat "$tmp/out" "$tmp/err")"
    "$bin" submit birth-registration --db "$db" --catalogue "$cat" --now 2025-07-03T10:00 \
        --field citizen-id=001234567892 >"$tmp/out" 2>&1 && "$bin" verify --db "$db" >"$tmp/out" 2>&1 &&
        ok "the migrated PostgreSQL store takes a submit and verifies" ||
        no "the migrated PostgreSQL store takes a submit and verifies" "$(cat "$tmp/out")"
    "$bin" migrate --db "$db" >"$tmp/out" 2>&1
    rc=$?
    [ $rc = 0 ] && [ "$(cat "$tmp/out")" = "migrate: the store is at schema version $current, this motcua's: nothing to migrate" ] &&
        ok "migrate again: nothing to migrate" || no "migrate again: nothing to migrate" "exit $rc" "$(cat "$tmp/out")"
    db2=$(pgstore two)
    if serve_start "$tmp/so" "$tmp/se" "$bin" --tokens "$tmp/tokens" --db "$db2" --catalogue "$cat" --migrate; then
        pid=$serve_pid
        grep -qx "serve --migrate: schema version 4 to $current; verify: 0 events, 0 other chain entries: the store is intact" "$tmp/so" &&
            [ "$(version "$db2")" = "$current" ] && ok "serve --migrate on PostgreSQL: migrated, then started" ||
            no "serve --migrate on PostgreSQL" "$(cat "$tmp/so" "$tmp/se")"
        kill -TERM "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        pid=
    else
        no "serve --migrate on PostgreSQL" "$(cat "$tmp/so" "$tmp/se")"
        kill "$serve_pid" 2>/dev/null
    fi
fi
echo "1..$n"
