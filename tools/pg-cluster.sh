#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (../shared/RECIPES.md, "PostgreSQL 15 —
# throwaway cluster"): initdb into a temporary folder as the postgres user (initdb and postgres
# refuse root), a Unix socket in that folder and no TCP at all, a role for the caller and a
# database mc it owns.
#   tools/pg-cluster.sh start      prints the folder, then the conninfo, one per line; the tests'
#                                  cluster does not fsync (--durable: it does, for make bench)
#   tools/pg-cluster.sh stop DIR   stops the cluster of DIR and removes DIR
#   tools/pg-cluster.sh pause DIR  stops its server at once (as a crash would), keeping DIR
#   tools/pg-cluster.sh resume DIR starts the paused server again
# Exit status 1 (with the reason on stderr) when the server cannot start.
set -u
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}
case "${1:-}" in
start)
    fsync="-c fsync=off"
    [ "${2:-}" = --durable ] && fsync=""
    if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
        echo "pg-cluster: no PostgreSQL server (initdb) installed" >&2
        exit 1
    fi
    T=$(mktemp -d /tmp/mc-pg.XXXXXX) || exit 1
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$T"
    cd "$T" || exit 1 # runuser keeps the cwd
    if ! as_postgres "$PGBIN/initdb" -D "$T/data" -U postgres -A trust -E UTF8 \
        --locale=C.UTF-8 --no-sync >"$T/initdb.log" 2>&1; then
        echo "pg-cluster: initdb failed: $(tail -n 1 "$T/initdb.log")" >&2
        rm -rf "$T"
        exit 1
    fi
    if ! as_postgres "$PGBIN/pg_ctl" -D "$T/data" -l "$T/server.log" -w \
        -o "-c listen_addresses='' -k $T -p 5432 $fsync" start >/dev/null 2>&1; then
        echo "pg-cluster: the server did not start: $(tail -n 1 "$T/server.log")" >&2
        rm -rf "$T"
        exit 1
    fi
    user=$(id -un)
    if ! "$PGBIN/psql" -X -q -h "$T" -p 5432 -U postgres -d postgres \
        -c "CREATE ROLE \"$user\" LOGIN" -c "CREATE DATABASE mc OWNER \"$user\"" >/dev/null 2>&1; then
        echo "pg-cluster: cannot create the role and the database" >&2
        as_postgres "$PGBIN/pg_ctl" -D "$T/data" -m immediate -w stop >/dev/null 2>&1
        rm -rf "$T"
        exit 1
    fi
    echo "$T"
    echo "host=$T port=5432 dbname=mc"
    ;;
pause)
    T=${2:?usage: pg-cluster.sh pause DIR}
    as_postgres "$PGBIN/pg_ctl" -D "$T/data" -m immediate -w stop >/dev/null 2>&1
    ;;
resume)
    T=${2:?usage: pg-cluster.sh resume DIR}
    cd "$T" || exit 1
    as_postgres "$PGBIN/pg_ctl" -D "$T/data" -l "$T/server.log" -w \
        -o "-c listen_addresses='' -k $T -p 5432 -c fsync=off" start >/dev/null 2>&1
    ;;
stop)
    T=${2:?usage: pg-cluster.sh stop DIR}
    [ -d "$T/data" ] && as_postgres "$PGBIN/pg_ctl" -D "$T/data" -m fast -w stop >/dev/null 2>&1
    rm -rf "$T"
    ;;
*)
    echo "usage: tools/pg-cluster.sh start | stop DIR | pause DIR | resume DIR" >&2
    exit 2
    ;;
esac
