#!/usr/bin/env bash
# `motcua backup` and stores that are private (issue 19): a restore drill — a stream of writes
# running, a backup taken in its middle, the backup restored in place of a fresh store, verify,
# and every write acknowledged before the backup started found in it — then the failure paths
# (an existing destination, a folder that cannot be written, a source that is not a store,
# PostgreSQL), verify of files that are not stores, read commands on a store that does not
# exist, and the modes of a new store under umask 000. Prints TAP lines; run by
# tools/run-tests.sh as
#   bash tests/backup.sh BUILD/motcua
set -u
bin=${1:?usage: backup.sh MOTCUA}
cat=tests/fixtures/cli-catalogue
tmp=$(mktemp -d)
writer=
trap '[ -n "$writer" ] && kill "$writer" 2>/dev/null; rm -rf "$tmp"' EXIT
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
mode() { stat -c %a "$1"; }
submit() { # submit DB N : one dossier; prints its id once acknowledged
    "$bin" submit birth-registration --catalogue "$cat" --db "$1" --now 2025-07-03T09:00 \
        --field citizen-id=0012345$(printf '%05d' "$2") --request-id "w-$2" 2>/dev/null |
        sed -n 's/^dossier \([0-9]*\):.*/\1/p'
}

# ---- the restore drill ----
db=$tmp/live.db
submit "$db" 0 >"$tmp/acked"
# The write stream: each line of acked is written after its submit returned.
(
    for i in $(seq 1 150); do
        id=$(submit "$db" "$i")
        [ -n "$id" ] && echo "$id" >>"$tmp/acked"
    done
) &
writer=$!
for _ in $(seq 1 200); do
    [ "$(wc -l <"$tmp/acked")" -ge 30 ] && break
    sleep 0.05
done
cp "$tmp/acked" "$tmp/before" # acknowledged before the backup starts
"$bin" backup --db "$db" --to "$tmp/backup.db" >"$tmp/out" 2>&1
rc=$?
wait "$writer"
writer=
before=$(wc -l <"$tmp/before")
total=$(wc -l <"$tmp/acked")
if [ $rc -eq 0 ] && grep -q "^backup: $tmp/backup.db written (mode 0600), [0-9]* events; the copy verifies$" "$tmp/out"; then
    ok "backup of a store under writes: $(cat "$tmp/out")"
else
    no "backup of a store under writes" "exit $rc" "$(cat "$tmp/out")"
fi
[ "$(mode "$tmp/backup.db")" = 600 ] && ok "the backup is 0600" ||
    no "the backup is 0600" "mode $(mode "$tmp/backup.db")"
in_backup=$(sqlite3 "$tmp/backup.db" "SELECT count(*) FROM dossier")
echo "# backup: $before writes acknowledged before the backup started, $in_backup in the backup, $total acknowledged in all"
if [ "$total" -gt "$before" ] && [ "$total" -eq 151 ]; then
    ok "the writes kept going during the backup ($before before it, $total in all)"
else
    no "the writes kept going during the backup" "$before before, $total in all of 151"
fi
# Restore: the backup copied in place of a fresh store.
cp "$tmp/backup.db" "$tmp/restored.db"
"$bin" verify --db "$tmp/restored.db" >"$tmp/out" 2>&1 &&
    grep -q "the store is intact$" "$tmp/out" && ok "the restored store verifies" ||
    no "the restored store verifies" "$(cat "$tmp/out")"
missing=0
while read -r id; do
    [ "$(sqlite3 "$tmp/restored.db" "SELECT count(*) FROM dossier WHERE id = $id")" = 1 ] ||
        missing=$((missing + 1))
done <"$tmp/before"
[ "$missing" -eq 0 ] && ok "every write acknowledged before the backup is in the restored store" ||
    no "every write acknowledged before the backup is in the restored store" "$missing missing"
"$bin" list --catalogue "$cat" --db "$tmp/restored.db" >"$tmp/out" 2>&1
[ "$(wc -l <"$tmp/out")" -eq "$in_backup" ] && ok "list reads the restored store" ||
    no "list reads the restored store" "$(head -3 "$tmp/out")"
next=$(submit "$tmp/restored.db" 999)
[ "$next" = $((in_backup + 1)) ] && ok "the restored store takes new writes (dossier $next)" ||
    no "the restored store takes new writes" "dossier '$next', want $((in_backup + 1))"

# ---- failure paths ----
echo "keep me" >"$tmp/exists.db"
expect "backup refuses an existing destination" 3 \
    "motcua: backup: $tmp/exists.db: File exists (nothing was overwritten)" \
    "$bin" backup --db "$db" --to "$tmp/exists.db"
[ "$(cat "$tmp/exists.db")" = "keep me" ] && ok "the existing destination is left as it was" ||
    no "the existing destination is left as it was"
expect "backup into a folder that does not exist" 3 \
    "motcua: backup: $tmp/no/such/b.db: No such file or directory" \
    "$bin" backup --db "$db" --to "$tmp/no/such/b.db"
expect "backup under a file taken for a folder" 3 \
    "motcua: backup: $tmp/exists.db/b.db: Not a directory" \
    "$bin" backup --db "$db" --to "$tmp/exists.db/b.db"
if command -v runuser >/dev/null && [ "$(id -u)" = 0 ]; then
    # root writes anywhere: the folder that cannot be written is tried as nobody, on a copy
    # of the store that nobody owns.
    mkdir "$tmp/ro" "$tmp/nb" && cp "$tmp/backup.db" "$tmp/nb/s.db" &&
        chown -R nobody "$tmp/nb" && chmod 755 "$tmp/ro" "$tmp"
    runuser -u nobody -- "$bin" backup --db "$tmp/nb/s.db" --to "$tmp/ro/b.db" >"$tmp/out" 2>&1
    rc=$?
    [ $rc -eq 3 ] && [ "$(cat "$tmp/out")" = "motcua: backup: $tmp/ro/b.db: Permission denied" ] &&
        [ ! -e "$tmp/ro/b.db" ] && ok "backup into a folder that cannot be written" ||
        no "backup into a folder that cannot be written" "exit $rc" "$(cat "$tmp/out")"
else
    mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
    expect "backup into a folder that cannot be written" 3 \
        "motcua: backup: $tmp/ro/b.db: Permission denied" \
        "$bin" backup --db "$db" --to "$tmp/ro/b.db"
fi
echo "not a store" >"$tmp/text.db"
: >"$tmp/empty.db"
sqlite3 "$tmp/other.db" "CREATE TABLE t (a)"
expect "backup of a text file" 1 \
    "motcua: backup: $tmp/text.db is not a motcua store (not a SQLite database)" \
    "$bin" backup --db "$tmp/text.db" --to "$tmp/b1.db"
expect "backup of an empty file" 1 \
    "motcua: backup: $tmp/empty.db is not a motcua store (no motcua schema; a copy made with cp without its -wal file looks like this: take backups with 'motcua backup')" \
    "$bin" backup --db "$tmp/empty.db" --to "$tmp/b1.db"
expect "backup of a store that does not exist" 3 "motcua: $tmp/none.db: no such store" \
    "$bin" backup --db "$tmp/none.db" --to "$tmp/b1.db"
[ ! -e "$tmp/b1.db" ] && [ ! -e "$tmp/none.db" ] && ok "the failed backups created no file" ||
    no "the failed backups created no file" "$(ls "$tmp")"
expect "backup of a PostgreSQL store is refused with the way" 2 \
    "motcua: backup: a PostgreSQL store is backed up with pg_dump or pg_basebackup (docs/operations.md, \"Backups and restore\")" \
    "$bin" backup --db "host=$tmp dbname=mc" --to "$tmp/b2.db"
expect "backup without --to" 2 "motcua: backup takes --db STORE --to FILE (see 'motcua help')" \
    "$bin" backup --db "$db"

# ---- verify of what is not a store ----
expect "verify of a text file" 1 \
    "motcua: verify failed: $tmp/text.db is not a motcua store (not a SQLite database)" \
    "$bin" verify --db "$tmp/text.db"
expect "verify of an empty file" 1 \
    "motcua: verify failed: $tmp/empty.db is not a motcua store (no motcua schema; a copy made with cp without its -wal file looks like this: take backups with 'motcua backup')" \
    "$bin" verify --db "$tmp/empty.db"
expect "verify of another program's SQLite file" 1 \
    "motcua: verify failed: $tmp/other.db is not a motcua store (no motcua schema; a copy made with cp without its -wal file looks like this: take backups with 'motcua backup')" \
    "$bin" verify --db "$tmp/other.db"
[ ! -s "$tmp/empty.db" ] && [ "$(sqlite3 "$tmp/other.db" "PRAGMA user_version")" = 0 ] &&
    ok "verify wrote nothing into them" || no "verify wrote nothing into them"
for cmd in verify list "show 1" "history 1" "explain 1"; do
    # shellcheck disable=SC2086
    expect "$cmd of a store that does not exist" 3 "motcua: $tmp/gone.db: no such store" \
        "$bin" $cmd --db "$tmp/gone.db" $([ "$cmd" = verify ] || echo --catalogue "$cat")
done
[ -z "$(ls "$tmp" | grep gone)" ] && ok "the read commands created no store" ||
    no "the read commands created no store" "$(ls "$tmp" | grep gone)"

# ---- a new store is private ----
(umask 000 && submit "$tmp/new.db" 1 >/dev/null)
[ "$(mode "$tmp/new.db")" = 600 ] && ok "a new store is 0600 under umask 000" ||
    no "a new store is 0600 under umask 000" "mode $(mode "$tmp/new.db")"
# Its -wal and -shm take the store's mode: a connection kept open while another writes.
mkfifo "$tmp/hold"
(umask 000 && sqlite3 "$tmp/new.db" <"$tmp/hold" >/dev/null 2>&1) &
holder=$!
exec 9>"$tmp/hold"
echo "SELECT count(*) FROM dossier;" >&9
(umask 000 && submit "$tmp/new.db" 2 >/dev/null)
sleep 0.2
modes="$(mode "$tmp/new.db-wal" 2>&1) $(mode "$tmp/new.db-shm" 2>&1)"
[ "$modes" = "600 600" ] && ok "its -wal and -shm are 0600" || no "its -wal and -shm are 0600" "$modes"
# A copy made with cp without the -wal file misses what is there; a backup does not.
cp "$tmp/new.db" "$tmp/cp.db"
"$bin" backup --db "$tmp/new.db" --to "$tmp/new-backup.db" >/dev/null 2>&1
exec 9>&-
wait "$holder"
echo "# cp without -wal: $(sqlite3 "$tmp/cp.db" "SELECT count(*) FROM dossier" 2>&1) dossiers; backup: $(sqlite3 "$tmp/new-backup.db" "SELECT count(*) FROM dossier" 2>&1) of 2"
[ "$(sqlite3 "$tmp/new-backup.db" "SELECT count(*) FROM dossier")" = 2 ] &&
    ok "a backup taken while the -wal file holds writes has them all" ||
    no "a backup taken while the -wal file holds writes has them all"

# ---- serve refuses a store others can write ----
"$bin" token add --tokens "$tmp/tok" --actor lan --roles clerk --agency commune-committee >/dev/null 2>&1
submit "$tmp/srv.db" 1 >/dev/null
chmod 664 "$tmp/srv.db"
expect "serve refuses a store that group can write" 2 \
    "motcua: $tmp/srv.db can be written by group or others, who could alter the store: chmod 600 $tmp/srv.db" \
    timeout 10 "$bin" serve --tokens "$tmp/tok" --db "$tmp/srv.db" --catalogue "$cat" --listen 127.0.0.1:0
chmod 600 "$tmp/srv.db"
: >"$tmp/srv.db-wal"
chmod 606 "$tmp/srv.db-wal"
expect "serve refuses a store whose -wal file others can write" 2 \
    "motcua: $tmp/srv.db-wal can be written by group or others, who could alter the store: chmod 600 $tmp/srv.db-wal" \
    timeout 10 "$bin" serve --tokens "$tmp/tok" --db "$tmp/srv.db" --catalogue "$cat" --listen 127.0.0.1:0
rm -f "$tmp/srv.db-wal"
chmod 604 "$tmp/srv.db"
timeout 4 "$bin" serve --tokens "$tmp/tok" --db "$tmp/srv.db" --catalogue "$cat" --listen 127.0.0.1:0 >"$tmp/err" 2>&1
rc=$?
[ $rc -eq 124 ] && grep -q "^motcua: serving http://127.0.0.1:" "$tmp/err" &&
    ok "serve opens a store others may read but not write (0604)" ||
    no "serve opens a store others may read but not write (0604)" "exit $rc" "$(cat "$tmp/err")"
echo "1..$n"
