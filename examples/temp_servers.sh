# examples/temp_servers.sh — sourced by the scripts that start servers of their own (demo_live.sh,
# tests/browser/run.sh): the demo programs, and PostgreSQL or Redis. Everything lives in a
# directory the caller gives (a mktemp -d it removes), listens on loopback or on a Unix socket
# there (never the system's services), and is stopped by temp_servers_stop, which the caller's
# EXIT trap must call.
#
#   temp_servers_init DIR      a FIFO DIR/alive, held open on fd 7: the programs temp_start runs
#                              read it as their standard input and, with --exit-on-stdin-eof, stop
#                              at its end, so that they die with the script even when it is
#                              SIGKILLed
#   temp_free_ports N          N free loopback ports, on one line (bound and released just before),
#                              outside the kernel's ephemeral range
#   temp_start NAME CMD…       runs CMD in the background (stdout DIR/NAME.out, stderr
#                              DIR/NAME.log) and waits for its "PORT n" line (60 s at most);
#                              exits the script, with the log, if it does not come
#   temp_postgres              sets pg_conninfo ("host=DIR/pg port=5432 user=postgres
#                              dbname=postgres") and pg_psql (a psql command line); initdb as the
#                              postgres user when run as root (PostgreSQL refuses to run as root)
#   temp_redis                 sets redis_socket (DIR/redis.sock) and redis_cli
#   temp_servers_stop          stops all of them (postgres: SIGQUIT, then SIGKILL)
#
# The server programs: $APIAUTH_PG_BINDIR, else the newest /usr/lib/postgresql/*/bin (Debian's
# postgresql package); redis-server from PATH (Debian's redis-server package).

temp_dir=""
temp_pids=()

temp_servers_init() {
    temp_dir=$1
    mkfifo "$temp_dir/alive" && exec 7<>"$temp_dir/alive"
}

temp_free_ports() {
    local py=/usr/bin/python3
    [ -x "$py" ] || py=python3
    # Ports outside the kernel's ephemeral range (ip_local_port_range), chosen at random: the port
    # is free between this check and the server's bind unless another program binds that very
    # port by number. A port the kernel picks (bind to port 0, a client's connect, as curl and node
    # make all through a test) is always inside the range, so it cannot take ours.
    "$py" -c '
import random, socket, sys
try:
    lo, hi = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
except OSError:
    lo, hi = 32768, 60999
outside = [p for p in range(10000, 65536) if not lo <= p <= hi]
held, tries = [], 0
while len(held) < int(sys.argv[1]):
    tries += 1
    if tries > 10000:
        sys.exit("temp_free_ports: no free loopback port")
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", random.choice(outside) if outside else 0))
    except OSError:
        s.close()
        continue
    held.append(s)
print(*[x.getsockname()[1] for x in held])' "$1"
}

temp_start() {
    local name=$1 i
    shift
    # 7>&-: a server must not hold the FIFO's write end itself, or it never sees its end.
    "$@" <"$temp_dir/alive" 7>&- >"$temp_dir/$name.out" 2>"$temp_dir/$name.log" &
    temp_pids+=($!)
    # Up to 60 s: node and oidc-provider (op.mjs) take seconds to start on a loaded machine; a
    # server that exits is seen at once.
    for i in $(seq 1 600); do
        grep -q '^PORT ' "$temp_dir/$name.out" 2>/dev/null && return 0
        kill -0 "${temp_pids[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    echo "$name did not start:" >&2
    cat "$temp_dir/$name.log" >&2
    exit 1
}

temp_pg_pid=""
temp_redis_pid=""

temp_postgres() {
    local dir=$temp_dir bindir i
    bindir=${APIAUTH_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
    if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/postgres" ]; then
        echo "temp_servers: no PostgreSQL server programs in '$bindir': install postgresql (./dev deps does)" >&2
        return 1
    fi
    local pg=$dir/pg as=()
    mkdir -p "$pg"
    if [ "$(id -u)" -eq 0 ]; then
        as=(setpriv --reuid=postgres --regid=postgres --init-groups --)
        command -v setpriv >/dev/null || as=(runuser -u postgres --)
        chmod 711 "$dir"
        chown postgres:postgres "$pg"
    fi
    (cd "$pg" && "${as[@]}" "$bindir/initdb" -D "$pg/data" -U postgres --auth=trust -E UTF8 --locale=C \
        --no-sync >"$pg/initdb.log" 2>&1) || { echo "temp_servers: initdb failed:" >&2; tail -20 "$pg/initdb.log" >&2; return 1; }
    # exec: the background job is the postmaster itself (setpriv execs too), so $! is its pid.
    (cd "$pg" && exec "${as[@]}" "$bindir/postgres" -D "$pg/data" -k "$pg" -c listen_addresses= -p 5432 \
        -c fsync=off -c full_page_writes=off -c shared_buffers=16MB -c dynamic_shared_memory_type=mmap \
        >"$pg/postgres.log" 2>&1) &
    temp_pg_pid=$!
    for i in $(seq 300); do
        "$bindir/pg_isready" -q -h "$pg" -p 5432 && break
        kill -0 "$temp_pg_pid" 2>/dev/null || { echo "temp_servers: postgres exited:" >&2; tail -20 "$pg/postgres.log" >&2; return 1; }
        sleep 0.1
    done
    "$bindir/pg_isready" -q -h "$pg" -p 5432 || { echo "temp_servers: postgres did not start in 30 s" >&2; return 1; }
    pg_conninfo="host=$pg port=5432 user=postgres dbname=postgres"
    pg_psql=("$bindir/psql" -X -A -t -q -v ON_ERROR_STOP=1 -h "$pg" -p 5432 -U postgres -d postgres)
}

temp_redis() {
    local dir=$temp_dir i
    command -v redis-server >/dev/null || { echo "temp_servers: redis-server is missing (./dev deps installs it)" >&2; return 1; }
    redis_socket=$dir/redis.sock
    redis-server --port 0 --unixsocket "$redis_socket" --unixsocketperm 700 --save '' --appendonly no \
        --dir "$dir" >"$dir/redis.log" 2>&1 &
    temp_redis_pid=$!
    redis_cli=(redis-cli -s "$redis_socket")
    for i in $(seq 100); do
        [ "$("${redis_cli[@]}" ping 2>/dev/null)" = PONG ] && return 0
        sleep 0.05
    done
    echo "temp_servers: redis-server did not start:" >&2
    tail -20 "$dir/redis.log" >&2
    return 1
}

temp_servers_stop() {
    local i p
    for p in "${temp_pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${temp_pids[@]}"; do wait "$p" 2>/dev/null; done
    temp_pids=()
    exec 7>&- 2>/dev/null
    if [ -n "$temp_redis_pid" ]; then
        kill -KILL "$temp_redis_pid" 2>/dev/null
        wait "$temp_redis_pid" 2>/dev/null
        temp_redis_pid=""
    fi
    if [ -n "$temp_pg_pid" ]; then
        # SIGQUIT: immediate shutdown (it stops its backends, removes its shared memory).
        kill -CONT "$temp_pg_pid" 2>/dev/null
        kill -QUIT "$temp_pg_pid" 2>/dev/null
        for i in $(seq 100); do
            kill -0 "$temp_pg_pid" 2>/dev/null || break
            [ "$(awk '{print $3}' "/proc/$temp_pg_pid/stat" 2>/dev/null)" = Z ] && break
            sleep 0.1
        done
        kill -KILL "$temp_pg_pid" 2>/dev/null
        wait "$temp_pg_pid" 2>/dev/null
        temp_pg_pid=""
    fi
}
