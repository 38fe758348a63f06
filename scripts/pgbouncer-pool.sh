#!/usr/bin/env bash
# Start or stop a throwaway PgBouncer on 127.0.0.1 in front of a test PostgreSQL.
#
# Usage:
#   scripts/pgbouncer-pool.sh start DIR UPSTREAM_HOST UPSTREAM_PORT [MODE]
#       MODE is transaction (default) or session.
#       Creates DIR, starts PgBouncer on a free port, waits until its pool
#       for dbname postgres, user postgres holds two server connections, and
#       prints one line on stdout: port=<P>. Progress and errors go to stderr.
#   scripts/pgbouncer-pool.sh stop DIR
#       Stops the PgBouncer started in DIR and removes DIR.
#       Succeeds if it is already stopped or DIR does not exist.
#
# The upstream must use trust auth. PgBouncer passes the client's user name
# on: postgres is listed in DIR/userlist.txt, any other role is looked up in
# the upstream's pg_shadow through auth_user = postgres (auth_query). A role
# that does not exist upstream is refused with "no such user".
# auth_type = any is not used: PgBouncer 1.18 then requires user= in every
# [databases] entry ("auth_type=any requires forced user").
# The startup parameters extra_float_digits, options and search_path are
# dropped, not applied (PgBouncer 1.18 would refuse the connection).
# Pools for other databases or users fill up to min_pool_size = 2 only while
# a client is connected to them, so their first statements may share one
# server connection.
#
# PgBouncer refuses to run as root, so when run as root it runs as the
# postgres user (override with PGBOUNCER_POOL_USER) via setpriv. DIR's parent
# directories must be reachable by that user.
# Requires: pgbouncer, psql, setpriv (util-linux), python3 or ss.

set -euo pipefail

RUN_USER=${PGBOUNCER_POOL_USER:-postgres}
WAIT=15 # seconds to wait for each readiness step

die() {
    echo "pgbouncer-pool: $*" >&2
    exit 1
}

log() {
    echo "pgbouncer-pool: $*" >&2
}

usage() {
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# Print one free TCP port on 127.0.0.1, from 20000-32767 (below Linux's
# default ephemeral range, so outgoing connections do not take it first).
free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 - <<'EOF'
import random, socket, sys
for _ in range(2000):
    p = random.randint(20000, 32767)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    sys.exit(0)
sys.exit("no free port found")
EOF
        return
    fi
    local p
    for _ in $(seq 2000); do
        p=$((20000 + RANDOM % 12768))
        if [ -z "$(ss -ltnH "sport = :$p")" ]; then
            echo "$p"
            return
        fi
    done
    die "no free port found"
}

# Run a command as RUN_USER when we are root, else as ourselves.
as_user() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid="$(id -u "$RUN_USER")" --regid="$(id -g "$RUN_USER")" --clear-groups -- "$@"
    else
        "$@"
    fi
}

log_tail() {
    if [ -f "$1" ]; then
        echo "--- last lines of $1 ---" >&2
        tail -n 30 "$1" >&2
    fi
}

# psql_ok PORT DBNAME SQL [HOST]: run SQL as postgres, quietly.
psql_ok() {
    PGCONNECT_TIMEOUT=2 psql -X -q -A -t "host=${4:-127.0.0.1} port=$1 dbname=$2 user=postgres" -c "$3" 2>/dev/null
}

# Print the number of server connections (sv_* columns) in the pool for
# database postgres, user postgres. Columns are found by name since they
# differ between PgBouncer versions.
server_conns() {
    PGCONNECT_TIMEOUT=2 psql -X -q -A -F ' ' -P footer=off \
        "host=127.0.0.1 port=$1 dbname=pgbouncer user=postgres" -c 'SHOW POOLS' 2>/dev/null |
        awk 'NR == 1 { for (i = 1; i <= NF; i++) name[i] = $i; next }
             $1 == "postgres" && $2 == "postgres" {
                 n = 0
                 for (i = 1; i <= NF; i++) if (name[i] ~ /^sv_/) n += $i
                 print n
             }' |
        head -n 1
}

# True if process $1 exists and is not a zombie.
alive() {
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

# Print the pid of the live pgbouncer named by the pid file in DIR $1.
running_pid() {
    local pid
    [ -f "$1/pgbouncer.pid" ] || return 1
    pid=$(cat "$1/pgbouncer.pid" 2>/dev/null)
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pgbouncer ] && alive "$pid" || return 1
    echo "$pid"
}

# Stop the PgBouncer whose pid file is in DIR $1: SIGTERM, then SIGKILL.
kill_pool() {
    local pid
    pid=$(running_pid "$1") || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        alive "$pid" || return 0
        sleep 0.1
    done
    log "PgBouncer (pid $pid) ignored SIGTERM, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 20); do
        alive "$pid" || return 0
        sleep 0.1
    done
    die "could not stop PgBouncer (pid $pid) from $1"
}

# write_ini DIR UPSTREAM_HOST UPSTREAM_PORT MODE LISTEN_PORT
write_ini() {
    cat >"$1/pgbouncer.ini" <<EOF
[databases]
* = host=$2 port=$3

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $5
unix_socket_dir = $1
logfile = $1/pgbouncer.log
pidfile = $1/pgbouncer.pid
auth_type = trust
auth_file = $1/userlist.txt
auth_user = postgres
admin_users = postgres
pool_mode = $4
server_round_robin = 1
min_pool_size = 2
default_pool_size = 20
max_client_conn = 200
ignore_startup_parameters = extra_float_digits,options,search_path
EOF
    echo '"postgres" ""' >"$1/userlist.txt"
    if [ "$(id -u)" -eq 0 ]; then
        chown "$RUN_USER:" "$1/pgbouncer.ini" "$1/userlist.txt"
    fi
}

start() {
    [ $# -ge 3 ] && [ $# -le 4 ] || usage
    local dir=$1 host=$2 upstream_port=$3 mode=${4:-transaction}
    case "$mode" in
        transaction | session) ;;
        *) die "MODE must be transaction or session, not '$mode'" ;;
    esac
    command -v pgbouncer >/dev/null || die "pgbouncer not found in PATH"
    command -v psql >/dev/null || die "psql not found in PATH"

    local old
    if old=$(running_pid "$dir"); then
        die "a PgBouncer is already running from $dir (pid $old); stop it first"
    fi
    # A busy machine (the whole test suite at once) can be slow to accept a
    # connection, so try until WAIT seconds have passed and show psql's error.
    local upstream_error= upstream_deadline=$((SECONDS + WAIT))
    while :; do
        if upstream_error=$(PGCONNECT_TIMEOUT=5 psql -X -q -A -t \
            "host=$host port=$upstream_port dbname=postgres user=postgres" -c 'select 1' 2>&1 >/dev/null); then
            break
        fi
        if [ "$SECONDS" -ge "$upstream_deadline" ]; then
            die "upstream PostgreSQL at $host:$upstream_port does not accept connections (user postgres, dbname postgres): $upstream_error"
        fi
        sleep 0.2
    done
    if [ -d "$dir" ] && [ ! -e "$dir/pgbouncer.ini" ] && [ -n "$(ls -A "$dir")" ]; then
        die "$dir is not empty and holds no pgbouncer.ini; use a new directory"
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" -eq 0 ]; then
        chown "$RUN_USER:" "$dir"
    fi
    as_user test -w "$dir" || die "$RUN_USER cannot write to $dir (check the parent directories' permissions)"

    # PgBouncer keeps running on its unix socket alone when it cannot bind
    # its TCP port (someone took the free port meanwhile), so watch the log
    # for that and retry with another port.
    local port attempt ok= taken deadline
    for attempt in 1 2 3; do
        port=$(free_port)
        write_ini "$dir" "$host" "$upstream_port" "$mode" "$port"
        rm -f "$dir/pgbouncer.log"
        log "starting PgBouncer on 127.0.0.1:$port ($mode pooling) -> $host:$upstream_port"
        if ! as_user pgbouncer -d -q "$dir/pgbouncer.ini" 2>"$dir/pgbouncer.stderr"; then
            cat "$dir/pgbouncer.stderr" >&2
            log_tail "$dir/pgbouncer.log"
            die "pgbouncer failed to start"
        fi
        # Wait until a query goes through to the upstream.
        taken=
        deadline=$((SECONDS + WAIT))
        while [ "$SECONDS" -lt "$deadline" ]; do
            if grep -q "cannot listen on 127.0.0.1:$port" "$dir/pgbouncer.log" 2>/dev/null; then
                taken=1
                break
            fi
            # Only trust the port once PgBouncer says it listens on it.
            if grep -q "listening on 127.0.0.1:$port\$" "$dir/pgbouncer.log" 2>/dev/null &&
                psql_ok "$port" postgres 'select 1' >/dev/null; then
                ok=1
                break
            fi
            sleep 0.1
        done
        [ -z "$taken" ] && break
        log "port $port was taken meanwhile, retrying (attempt $attempt)"
        kill_pool "$dir"
    done
    if [ -z "$ok" ]; then
        log_tail "$dir/pgbouncer.log"
        kill_pool "$dir"
        die "PgBouncer on 127.0.0.1:$port did not pass a query to $host:$upstream_port"
    fi

    # PgBouncer only tops a pool up to min_pool_size while a client is
    # connected to it (or with a forced user, which would hide the client's
    # user name). Keep one idle client connected until the pool has at least
    # two server connections, so that server_round_robin has two to rotate.
    # The server connections then stay open (server_idle_timeout keeps
    # min_pool_size of them).
    local holder
    rm -f "$dir/hold.fifo"
    mkfifo "$dir/hold.fifo"
    PGCONNECT_TIMEOUT=2 psql -X -q "host=127.0.0.1 port=$port dbname=postgres user=postgres" \
        <"$dir/hold.fifo" >/dev/null 2>&1 &
    holder=$!
    exec 3>"$dir/hold.fifo"
    ok=
    deadline=$((SECONDS + WAIT))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if [ "$(server_conns "$port")" -ge 2 ] 2>/dev/null; then
            ok=1
            break
        fi
        sleep 0.1
    done
    exec 3>&- # EOF: the idle client quits
    wait "$holder" 2>/dev/null || true
    rm -f "$dir/hold.fifo"
    if [ -z "$ok" ]; then
        log_tail "$dir/pgbouncer.log"
        kill_pool "$dir"
        die "PgBouncer on 127.0.0.1:$port did not open 2 server connections to $host:$upstream_port"
    fi

    echo "port=$port"
}

stop() {
    [ $# -eq 1 ] || usage
    local dir=$1
    [ -d "$dir" ] || return 0
    # Refuse to remove a directory start did not make.
    if [ ! -e "$dir/pgbouncer.ini" ]; then
        [ -z "$(ls -A "$dir")" ] || die "$dir holds no pgbouncer.ini, so start did not make it; not touching it"
        rmdir "$dir"
        return 0
    fi
    kill_pool "$dir"
    rm -rf "$dir"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
    start) start "$@" ;;
    stop) stop "$@" ;;
    *) usage ;;
esac
