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
# A hot standby and a failover (../shared/RECIPES.md, "synchronous hot standby and failover"):
#   tools/pg-cluster.sh standby DIR [OLD]
#                                      a synchronous standby of the running cluster of DIR, in a
#                                      folder of its own (pg_basebackup -R, its own socket), made
#                                      synchronous only once it streams; prints its folder and
#                                      conninfo as start does (stop, pause, resume take it too).
#                                      With OLD, the folder of a dead server (a primary killed),
#                                      the standby is made anew there, under the same socket
#   tools/pg-cluster.sh kill DIR       SIGKILL of DIR's postmaster (a crash of the machine's
#                                      database, as far as its clients can tell); keeps DIR
#   tools/pg-cluster.sh promote DIR    promotes the standby of DIR to a primary, waiting until it
#                                      takes writes
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
standby)
    P=${2:?usage: pg-cluster.sh standby DIR}
    psql_p() { "$PGBIN/psql" -X -q -At -h "$P" -p 5432 -U postgres -d postgres "$@"; }
    # The standby's state on the primary: streaming first, then sync (bounded: 10 s each).
    wait_for() {
        for _ in $(seq 100); do
            [ "$(psql_p -c "SELECT $1 FROM pg_stat_replication WHERE application_name = 'standby'" \
                2>/dev/null)" = "$2" ] && return 0
            sleep 0.1
        done
        return 1
    }
    if [ -n "${3:-}" ]; then
        T=$3
        # The old server's postmaster must be gone (not a zombie) before a new one may start.
        pid=$(head -n 1 "$T/data/postmaster.pid" 2>/dev/null)
        for _ in $(seq 100); do
            [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            echo "pg-cluster: the server of $T still runs" >&2
            exit 1
        fi
        rm -rf "$T/data"
    else
        T=$(mktemp -d /tmp/mc-pg.XXXXXX) || exit 1
        [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$T"
    fi
    cd "$T" || exit 1
    # -R writes primary_conninfo (with application_name, the name synchronous_standby_names
    # gives) and standby.signal. The primary's synchronous_standby_names is set only after the
    # copy: copied, the promoted standby would wait for itself on every commit.
    if ! as_postgres "$PGBIN/pg_basebackup" -D "$T/data" -R -X stream -c fast \
        -d "host=$P port=5432 user=postgres application_name=standby" >"$T/basebackup.log" 2>&1; then
        echo "pg-cluster: pg_basebackup failed: $(tail -n 1 "$T/basebackup.log")" >&2
        rm -rf "$T"
        exit 1
    fi
    if ! as_postgres "$PGBIN/pg_ctl" -D "$T/data" -l "$T/server.log" -w \
        -o "-c listen_addresses='' -k $T -p 5432 -c fsync=off" start >/dev/null 2>&1; then
        echo "pg-cluster: the standby did not start: $(tail -n 1 "$T/server.log")" >&2
        rm -rf "$T"
        exit 1
    fi
    if ! wait_for state streaming; then
        echo "pg-cluster: the standby does not stream from the primary" >&2
        as_postgres "$PGBIN/pg_ctl" -D "$T/data" -m immediate -w stop >/dev/null 2>&1
        rm -rf "$T"
        exit 1
    fi
    # Synchronous only now that it streams: set before, every commit would wait forever.
    if ! psql_p -c "ALTER SYSTEM SET synchronous_standby_names = 'standby'" \
        -c "ALTER SYSTEM SET synchronous_commit = on" -c "SELECT pg_reload_conf()" >/dev/null 2>&1 ||
        ! wait_for sync_state sync; then
        echo "pg-cluster: the standby did not become synchronous" >&2
        psql_p -c "ALTER SYSTEM RESET synchronous_standby_names" -c "SELECT pg_reload_conf()" \
            >/dev/null 2>&1
        as_postgres "$PGBIN/pg_ctl" -D "$T/data" -m immediate -w stop >/dev/null 2>&1
        rm -rf "$T"
        exit 1
    fi
    echo "$T"
    echo "host=$T port=5432 dbname=mc"
    ;;
kill)
    T=${2:?usage: pg-cluster.sh kill DIR}
    pid=$(head -n 1 "$T/data/postmaster.pid" 2>/dev/null)
    [ -n "$pid" ] || { echo "pg-cluster: no server runs in $T" >&2; exit 1; }
    kill -KILL "$pid" || exit 1
    # Dead once a zombie (its sockets closed): the container's init may take seconds to reap it.
    while [ -e "/proc/$pid" ] && [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
        sleep 0.01
    done
    ;;
promote)
    T=${2:?usage: pg-cluster.sh promote DIR}
    as_postgres "$PGBIN/pg_ctl" -D "$T/data" -w promote >/dev/null 2>&1 || {
        echo "pg-cluster: the standby of $T was not promoted" >&2
        exit 1
    }
    # A name copied from the old primary would make the new one wait for itself.
    "$PGBIN/psql" -X -q -h "$T" -p 5432 -U postgres -d postgres \
        -c "ALTER SYSTEM RESET synchronous_standby_names" -c "SELECT pg_reload_conf()" >/dev/null 2>&1
    ;;
stop)
    T=${2:?usage: pg-cluster.sh stop DIR}
    [ -d "$T/data" ] && as_postgres "$PGBIN/pg_ctl" -D "$T/data" -m fast -w stop >/dev/null 2>&1
    rm -rf "$T"
    ;;
*)
    echo "usage: tools/pg-cluster.sh start [--durable] | stop DIR | pause DIR | resume DIR |" \
        "standby DIR | kill DIR | promote DIR" >&2
    exit 2
    ;;
esac
