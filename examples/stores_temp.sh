# examples/stores_temp.sh — sourced by scripts that need a PostgreSQL or Redis server of their own:
# each is started in a directory the caller gives (a mktemp -d it removes), listens on a Unix
# socket there only (never a TCP port, never the system's services), and is stopped by
# stores_temp_stop, which the caller's EXIT trap must call.
#
#   stores_temp_postgres DIR   sets pg_conninfo ("host=DIR/pg port=5432 user=postgres dbname=postgres")
#                              and pg_psql (a psql command line); initdb as the postgres user when
#                              run as root (PostgreSQL refuses to run as root); fsync off
#   stores_temp_redis DIR      sets redis_socket (DIR/redis.sock) and redis_cli
#   stores_temp_stop           stops both (SIGQUIT then SIGKILL for postgres, SIGKILL for redis)
#
# The server programs: $APIAUTH_PG_BINDIR, else the newest /usr/lib/postgresql/*/bin (Debian's
# postgresql package); redis-server from PATH (Debian's redis-server package).

stores_temp_pg_pid=""
stores_temp_redis_pid=""

stores_temp_postgres() {
    local dir=$1 bindir i
    bindir=${APIAUTH_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
    if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/postgres" ]; then
        echo "stores_temp: no PostgreSQL server programs in '$bindir': install postgresql (./dev deps does)" >&2
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
        --no-sync >"$pg/initdb.log" 2>&1) || { echo "stores_temp: initdb failed:" >&2; tail -20 "$pg/initdb.log" >&2; return 1; }
    # exec: the background job is the postmaster itself (setpriv execs too), so $! is its pid.
    (cd "$pg" && exec "${as[@]}" "$bindir/postgres" -D "$pg/data" -k "$pg" -c listen_addresses= -p 5432 \
        -c fsync=off -c full_page_writes=off -c shared_buffers=16MB -c dynamic_shared_memory_type=mmap \
        >"$pg/postgres.log" 2>&1) &
    stores_temp_pg_pid=$!
    for i in $(seq 300); do
        "$bindir/pg_isready" -q -h "$pg" -p 5432 && break
        kill -0 "$stores_temp_pg_pid" 2>/dev/null || { echo "stores_temp: postgres exited:" >&2; tail -20 "$pg/postgres.log" >&2; return 1; }
        sleep 0.1
    done
    "$bindir/pg_isready" -q -h "$pg" -p 5432 || { echo "stores_temp: postgres did not start in 30 s" >&2; return 1; }
    pg_conninfo="host=$pg port=5432 user=postgres dbname=postgres"
    pg_psql=("$bindir/psql" -X -A -t -q -v ON_ERROR_STOP=1 -h "$pg" -p 5432 -U postgres -d postgres)
}

stores_temp_redis() {
    local dir=$1 i
    command -v redis-server >/dev/null || { echo "stores_temp: redis-server is missing (./dev deps installs it)" >&2; return 1; }
    redis_socket=$dir/redis.sock
    redis-server --port 0 --unixsocket "$redis_socket" --unixsocketperm 700 --save '' --appendonly no \
        --dir "$dir" >"$dir/redis.log" 2>&1 &
    stores_temp_redis_pid=$!
    redis_cli=(redis-cli -s "$redis_socket")
    for i in $(seq 100); do
        [ "$("${redis_cli[@]}" ping 2>/dev/null)" = PONG ] && return 0
        sleep 0.05
    done
    echo "stores_temp: redis-server did not start:" >&2
    tail -20 "$dir/redis.log" >&2
    return 1
}

stores_temp_stop() {
    local i
    if [ -n "$stores_temp_redis_pid" ]; then
        kill -KILL "$stores_temp_redis_pid" 2>/dev/null
        wait "$stores_temp_redis_pid" 2>/dev/null
        stores_temp_redis_pid=""
    fi
    if [ -n "$stores_temp_pg_pid" ]; then
        # SIGQUIT: immediate shutdown (it stops its backends, removes its shared memory).
        kill -CONT "$stores_temp_pg_pid" 2>/dev/null
        kill -QUIT "$stores_temp_pg_pid" 2>/dev/null
        for i in $(seq 100); do
            kill -0 "$stores_temp_pg_pid" 2>/dev/null || break
            [ "$(awk '{print $3}' "/proc/$stores_temp_pg_pid/stat" 2>/dev/null)" = Z ] && break
            sleep 0.1
        done
        kill -KILL "$stores_temp_pg_pid" 2>/dev/null
        wait "$stores_temp_pg_pid" 2>/dev/null
        stores_temp_pg_pid=""
    fi
}
