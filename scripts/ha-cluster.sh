#!/usr/bin/env bash
# Start, switch over or stop a throwaway two-node Patroni cluster (PostgreSQL
# streaming replication, one etcd 3 as DCS) on 127.0.0.1.
#
# Usage:
#   scripts/ha-cluster.sh start DIR
#       Creates DIR (it must not exist or be empty), starts etcd and the
#       Patroni nodes n1 and n2 on free ports, waits until n1 is the primary
#       and n2 a streaming replica, then prints on stdout:
#           n1=127.0.0.1:<port>
#           n2=127.0.0.1:<port>
#           primary=n1
#           config=DIR/n1.yml
#   scripts/ha-cluster.sh switchover DIR
#       Switches the primary over to the other node, waits until the old
#       primary streams from the new one, prints primary=<name>.
#   scripts/ha-cluster.sh primary DIR
#       Prints primary=<name> of the current leader.
#   scripts/ha-cluster.sh stop DIR
#       Stops Patroni, PostgreSQL and etcd started in DIR, removes DIR.
#       Succeeds if nothing is running or DIR does not exist.
#
# Only stdout carries the lines above; progress and errors go to stderr.
# Authentication is trust for 127.0.0.1 (user postgres, replication user
# replicator). Logs: DIR/etcd.log, DIR/n1.log, DIR/n2.log (Patroni and
# PostgreSQL). If start fails, its processes are stopped but DIR is kept
# for the logs; run stop to remove it.
#
# PostgreSQL refuses to run as root, so when run as root everything runs as
# the postgres user (override with HA_CLUSTER_USER) via setpriv. DIR's parent
# directories must be reachable by that user.
# Requires: patroni, patronictl, etcd (3.4+), PostgreSQL server binaries
# (newest /usr/lib/postgresql/*/bin, or PG_BIN), psql, curl, setsid,
# setpriv, python3 or ss.

set -euo pipefail

RUN_USER=${HA_CLUSTER_USER:-postgres}
LAUNCHED="" # daemons wait_for checks are still running
PORT_TAKEN=75 # exit status of a start attempt that lost a port
START_TIMEOUT=90      # seconds for start
SWITCHOVER_TIMEOUT=60 # seconds for switchover
STOP_TIMEOUT=20       # seconds to wait for Patroni to stop PostgreSQL
NODES="n1 n2"
MARKER=.ha-cluster # file in DIR that marks it as made by start

die() {
    echo "ha-cluster: $*" >&2
    exit 1
}

log() {
    echo "ha-cluster: $*" >&2
}

usage() {
    sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# Print N distinct free TCP ports on 127.0.0.1, space separated. They are
# taken from 20000-32767, below Linux's default ephemeral range, so that
# outgoing connections do not grab them before the servers bind them.
free_ports() {
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$1" <<'EOF'
import random, socket, sys
n, socks, ports = int(sys.argv[1]), [], []
for _ in range(2000):
    if len(ports) == n:
        break
    p = random.randint(20000, 32767)
    if p in ports:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close()
        continue
    socks.append(s)
    ports.append(p)
if len(ports) < n:
    sys.exit("no free ports found")
print(" ".join(map(str, ports)))
EOF
        return
    fi
    local ports=() p
    for _ in $(seq 2000); do
        [ "${#ports[@]}" -eq "$1" ] && break
        p=$((20000 + RANDOM % 12768))
        case " ${ports[*]} " in *" $p "*) continue ;; esac
        [ -z "$(ss -ltnH "sport = :$p")" ] && ports+=("$p")
    done
    [ "${#ports[@]}" -eq "$1" ] || die "no free ports found"
    echo "${ports[*]}"
}

# Command prefix that drops to RUN_USER when we are root.
as_user_prefix() {
    if [ "$(id -u)" -eq 0 ]; then
        echo setpriv --reuid="$(id -u "$RUN_USER")" --regid="$(id -g "$RUN_USER")" --clear-groups --
    fi
}

as_user() {
    # shellcheck disable=SC2046
    $(as_user_prefix) "$@"
}

pg_bin_dir() {
    if [ -n "${PG_BIN:-}" ]; then
        echo "$PG_BIN"
        return
    fi
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$d" ] || die "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (set PG_BIN)"
    echo "$d"
}

# True if process $1 exists and is not a zombie.
alive() {
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

# Print the pid recorded in DIR/$1.pid if that process is alive.
pid_of() {
    local pid
    pid=$(cat "$DIR/$1.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] && alive "$pid" || return 1
    echo "$pid"
}

# Print the pids of live processes of RUN_USER (or of us when we are not
# root) whose working directory is DIR
# or below: etcd and Patroni are started there, PostgreSQL runs in its data
# directory. This script and its ancestors are left out.
our_pids() {
    local uid self p cwd
    uid=$(id -u)
    [ "$uid" -ne 0 ] || uid=$(id -u "$RUN_USER")
    self=" $$ "
    p=$PPID
    while [ -n "$p" ] && [ "$p" -gt 1 ]; do
        self="$self$p "
        p=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null || true)
    done
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        case "$self" in *" $p "*) continue ;; esac
        [ "$(stat -c %u "/proc/$p" 2>/dev/null)" = "$uid" ] || continue
        cwd=$(readlink "/proc/$p/cwd" 2>/dev/null) || continue
        case "$cwd" in "$DIR" | "$DIR"/*) alive "$p" && echo "$p" ;; esac
    done
}

log_tails() {
    local f n
    for f in "$DIR/etcd.log" "$DIR/n1.log" "$DIR/n2.log" "$DIR/patronictl.log"; do
        if [ -s "$f" ]; then
            n=25
            [ "$f" = "$DIR/etcd.log" ] && n=8
            echo "--- last lines of $f ---" >&2
            tail -n "$n" "$f" >&2
        fi
    done
}

# launch NAME CMD...: run CMD as RUN_USER in its own session with cwd DIR,
# stdin /dev/null and output to DIR/NAME.log; its pid goes to DIR/NAME.pid.
launch() {
    local name=$1
    shift
    rm -f "$DIR/$name.pid"
    # shellcheck disable=SC2046,SC2016
    (cd "$DIR" && exec setsid $(as_user_prefix) env HOME="$DIR" \
        sh -c 'echo $$ >"$0"; exec "$@"' "$DIR/$name.pid" "$@") \
        </dev/null >>"$DIR/$name.log" 2>&1 &
    for _ in $(seq 50); do
        if [ -s "$DIR/$name.pid" ]; then
            LAUNCHED="$LAUNCHED $name"
            return 0
        fi
        sleep 0.1
    done
    die "$name did not start (see $DIR/$name.log)"
}

http_code() {
    curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null || true
}

# psql_val PORT SQL: print the single value SQL returns, or nothing.
psql_val() {
    PGCONNECT_TIMEOUT=2 psql -X -q -A -t "host=127.0.0.1 port=$1 dbname=postgres user=postgres" -c "$2" 2>/dev/null || true
}

load_env() {
    [ -f "$DIR/cluster.env" ] || die "$DIR/cluster.env not found: no cluster was started in $DIR"
    # shellcheck disable=SC1091
    . "$DIR/cluster.env"
}

pg_port() { eval "echo \$PG_PORT_$1"; }
rest_port() { eval "echo \$REST_PORT_$1"; }

other_node() {
    case "$1" in n1) echo n2 ;; n2) echo n1 ;; esac
}

# True if Patroni on node $1 reports it is the running primary.
is_primary() {
    [ "$(http_code "http://127.0.0.1:$(rest_port "$1")/primary")" = 200 ]
}

# True if node $2 is a running replica streaming from primary $1.
is_streaming() {
    [ "$(http_code "http://127.0.0.1:$(rest_port "$2")/replica")" = 200 ] &&
        [ "$(psql_val "$(pg_port "$2")" 'select pg_is_in_recovery()')" = t ] &&
        [ "$(psql_val "$(pg_port "$1")" "select count(*) from pg_stat_replication where application_name = '$2' and state = 'streaming'")" = 1 ]
}

# wait_for DEADLINE WHAT CMD...: poll CMD until it succeeds or the deadline
# (in $SECONDS) passes. Fails early if a daemon in $LAUNCHED has exited.
wait_for() {
    local deadline=$1 what=$2 name
    shift 2
    while ! "$@"; do
        # Someone took one of our free ports before the server bound it.
        if grep -qis 'address already in use' "$DIR"/*.log; then
            log_tails
            log "a port was taken by another process while waiting for $what"
            exit "$PORT_TAKEN"
        fi
        for name in $LAUNCHED; do
            if ! pid_of "$name" >/dev/null; then
                log_tails
                die "$name exited while waiting for $what (see $DIR/$name.log)"
            fi
        done
        if [ "$SECONDS" -ge "$deadline" ]; then
            log_tails
            die "timed out waiting for $what"
        fi
        sleep 0.2
    done
}

write_node_config() {
    local name=$1 bin=$2
    local dir="$DIR/$name"
    cat >"$DIR/$name.yml" <<EOF
scope: $SCOPE
name: $name

log:
  level: INFO

restapi:
  listen: 127.0.0.1:$(rest_port "$name")
  connect_address: 127.0.0.1:$(rest_port "$name")

etcd3:
  hosts: 127.0.0.1:$ETCD_PORT

bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 100
        wal_level: replica
        hot_standby: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 128MB
  initdb:
    - encoding: UTF8
    - locale: C

postgresql:
  listen: 127.0.0.1:$(pg_port "$name")
  connect_address: 127.0.0.1:$(pg_port "$name")
  data_dir: $dir/data
  bin_dir: $bin
  pgpass: $dir/pgpass
  authentication:
    superuser:
      username: postgres
      password: postgres
    replication:
      username: replicator
      password: replicator
  parameters:
    unix_socket_directories: $dir
  basebackup:
    - checkpoint: fast
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
EOF
}

# Stop everything started from DIR. Patroni first (it stops PostgreSQL and
# needs etcd meanwhile), then etcd, then anything left.
stop_processes() {
    local name pid pids deadline
    pids=
    for name in $NODES; do
        if pid=$(pid_of "$name"); then
            kill -TERM "$pid" 2>/dev/null || true
            pids="$pids $pid"
        fi
    done
    deadline=$((SECONDS + STOP_TIMEOUT))
    for pid in $pids; do
        while alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do
            sleep 0.2
        done
    done
    if pid=$(pid_of etcd); then
        kill -TERM "$pid" 2>/dev/null || true
        deadline=$((SECONDS + 10))
        while alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do
            sleep 0.1
        done
    fi
    # A PostgreSQL left behind (Patroni was killed): immediate shutdown.
    for name in $NODES; do
        pid=$(head -n 1 "$DIR/$name/data/postmaster.pid" 2>/dev/null) || continue
        if [ -n "$pid" ] && alive "$pid"; then
            log "stopping leftover PostgreSQL of $name (pid $pid)"
            kill -QUIT "$pid" 2>/dev/null || true
            deadline=$((SECONDS + 5))
            while alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do
                sleep 0.1
            done
        fi
    done
    pids=$(our_pids)
    if [ -n "$pids" ]; then
        log "killing leftover processes: $(echo $pids)"
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
        deadline=$((SECONDS + 5))
        while [ -n "$(our_pids)" ] && [ "$SECONDS" -lt "$deadline" ]; do
            sleep 0.1
        done
    fi
    pids=$(our_pids)
    [ -z "$pids" ] || die "could not stop processes $(echo $pids) running in $DIR"
}

on_start_exit() {
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        stop_processes || true
    fi
    exit "$rc"
}

# One attempt at starting the cluster in the empty DIR, run in a subshell:
# start_attempt BIN_DIR DEADLINE. Exits with PORT_TAKEN if a server could not
# bind its port. Stops what it started if it fails.
start_attempt() {
    local bin=$1 deadline=$2 started=$SECONDS portlist ports name
    trap on_start_exit EXIT
    as_user mkdir -m 700 "$DIR/n1" "$DIR/n2"
    portlist=$(free_ports 6)
    read -r -a ports <<<"$portlist"
    SCOPE="skein-ha-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
    cat >"$DIR/cluster.env" <<EOF
SCOPE=$SCOPE
ETCD_PORT=${ports[0]}
ETCD_PEER_PORT=${ports[1]}
PG_PORT_n1=${ports[2]}
REST_PORT_n1=${ports[3]}
PG_PORT_n2=${ports[4]}
REST_PORT_n2=${ports[5]}
EOF
    load_env

    log "starting etcd on 127.0.0.1:$ETCD_PORT"
    local peer="http://127.0.0.1:$ETCD_PEER_PORT" client="http://127.0.0.1:$ETCD_PORT"
    launch etcd etcd --name default --data-dir "$DIR/etcd" \
        --listen-client-urls "$client" --advertise-client-urls "$client" \
        --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
        --initial-cluster "default=$peer" --initial-cluster-state new \
        --initial-cluster-token "$SCOPE" --logger zap --log-outputs stderr
    etcd_healthy() { curl -s -m 2 "$client/health" 2>/dev/null | grep -q '"health":"true"'; }
    wait_for "$deadline" "etcd to become healthy" etcd_healthy

    for name in $NODES; do
        write_node_config "$name" "$bin"
    done
    if [ "$(id -u)" -eq 0 ]; then
        chown "$RUN_USER:" "$DIR"/*.yml "$DIR/cluster.env"
    fi

    # n1 first, so that it is the one that bootstraps and leads.
    log "starting Patroni n1 (PostgreSQL on 127.0.0.1:$PG_PORT_n1)"
    launch n1 patroni "$DIR/n1.yml"
    wait_for "$deadline" "n1 to become the primary" is_primary n1
    log "n1 is the primary after $((SECONDS - started)) s; starting Patroni n2 (PostgreSQL on 127.0.0.1:$PG_PORT_n2)"
    launch n2 patroni "$DIR/n2.yml"
    wait_for "$deadline" "n2 to stream from n1" is_streaming n1 n2
    log "cluster ready after $((SECONDS - started)) s"
    trap - EXIT
}

start() {
    [ $# -eq 1 ] || usage
    DIR=$1
    local cmd
    for cmd in patroni patronictl etcd psql curl setsid; do
        command -v "$cmd" >/dev/null || die "$cmd not found in PATH"
    done
    if [ -d "$DIR" ] && [ -n "$(ls -A "$DIR")" ]; then
        die "$DIR exists and is not empty; run '$0 stop $DIR' first or use a new directory"
    fi
    local bin
    bin=$(pg_bin_dir)
    [ -x "$bin/postgres" ] || die "no postgres binary in $bin"

    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd)
    # PostgreSQL's unix socket path DIR/nX/.s.PGSQL.NNNNN must fit in 107 bytes.
    [ "${#DIR}" -le 85 ] || die "DIR path is too long for PostgreSQL's unix socket (max 85 characters): $DIR"
    if [ "$(id -u)" -eq 0 ]; then
        chown "$RUN_USER:" "$DIR"
    fi
    chmod 700 "$DIR"
    as_user test -w "$DIR" || die "$RUN_USER cannot write to $DIR (check the parent directories' permissions)"
    touch "$DIR/$MARKER"

    local deadline=$((SECONDS + START_TIMEOUT)) attempt rc
    for attempt in 1 2 3; do
        # Not "( ... ) || rc=$?": that would switch off set -e inside.
        set +e
        (
            set -e
            start_attempt "$bin" "$deadline"
        )
        rc=$?
        set -e
        [ "$rc" -eq 0 ] && break
        if [ "$rc" -ne "$PORT_TAKEN" ] || [ "$attempt" -eq 3 ]; then
            die "start failed; its processes were stopped, logs are kept in $DIR"
        fi
        log "retrying with other ports (attempt $attempt)"
        find "$DIR" -mindepth 1 -maxdepth 1 ! -name "$MARKER" -exec rm -rf {} +
    done
    load_env

    echo "n1=127.0.0.1:$PG_PORT_n1"
    echo "n2=127.0.0.1:$PG_PORT_n2"
    echo "primary=n1"
    echo "config=$DIR/n1.yml"
}

# Print the name of the node Patroni reports as the running primary,
# waiting up to $1 seconds for there to be one.
current_primary() {
    local deadline=$((SECONDS + $1)) name
    while :; do
        for name in $NODES; do
            if is_primary "$name"; then
                echo "$name"
                return 0
            fi
        done
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

primary() {
    [ $# -eq 1 ] || usage
    DIR=$(cd "$1" 2>/dev/null && pwd) || die "$1 does not exist"
    load_env
    local name
    name=$(current_primary 10) || {
        log_tails
        die "no node of $DIR reports being the primary"
    }
    echo "primary=$name"
}

switchover() {
    [ $# -eq 1 ] || usage
    DIR=$(cd "$1" 2>/dev/null && pwd) || die "$1 does not exist"
    load_env
    local old new started=$SECONDS deadline=$((SECONDS + SWITCHOVER_TIMEOUT))
    old=$(current_primary 10) || {
        log_tails
        die "no node of $DIR reports being the primary"
    }
    new=$(other_node "$old")
    # The candidate must be streaming, or Patroni refuses the switchover.
    wait_for "$deadline" "$new to stream from $old before the switchover" is_streaming "$old" "$new"
    log "switching over from $old to $new"
    LAUNCHED="etcd n1 n2"
    # patronictl exits 0 even when Patroni refuses; it then prints
    # "Switchover failed, details: ...". "status unknown" may still succeed.
    if ! patronictl -c "$DIR/n1.yml" switchover --leader "$old" --candidate "$new" --force \
        >"$DIR/patronictl.log" 2>&1 ||
        { grep -q 'failed, details:' "$DIR/patronictl.log" && ! grep -q 'status unknown' "$DIR/patronictl.log"; }; then
        log_tails
        die "patronictl switchover from $old to $new failed"
    fi
    cat "$DIR/patronictl.log" >&2
    wait_for "$deadline" "$new to become the primary" is_primary "$new"
    wait_for "$deadline" "$old to stream from $new" is_streaming "$new" "$old"
    log "switchover done after $((SECONDS - started)) s"
    echo "primary=$new"
}

stop() {
    [ $# -eq 1 ] || usage
    [ -d "$1" ] || return 0
    DIR=$(cd "$1" && pwd)
    # Refuse to kill processes in, and remove, a directory start did not make.
    if [ ! -e "$DIR/$MARKER" ]; then
        [ -z "$(ls -A "$DIR")" ] || die "$DIR was not created by '$0 start'; not touching it"
        rmdir "$DIR"
        return 0
    fi
    stop_processes
    rm -rf "$DIR"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
    start) start "$@" ;;
    switchover) switchover "$@" ;;
    primary) primary "$@" ;;
    stop) stop "$@" ;;
    *) usage ;;
esac
