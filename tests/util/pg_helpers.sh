# Shared helpers for the tests that need a PostgreSQL server (tests/t_push_*.sh).
# Source it after `set -euo pipefail` and cli_helpers.sh. pg_start starts a
# private PostgreSQL 15 (Debian postgresql-15) on a Unix socket in the test's
# temp dir and on 127.0.0.1 at a free port, as a non-root user when run as
# root; pg_stop (installed as an EXIT trap by pg_start) stops it.
# When the server cannot start the test exits 77 (SKIP) with the reason,
# except with CI=true, where it fails (CI can start it and must not skip).
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR="" PG_PORT="" PG_SOCK="" PG_USER_OS="" PG_SUPER=lmkv PG_PASSWORD=""

pg_unavailable() {
    if [ "${CI:-}" = true ]; then fail "PostgreSQL cannot start and CI=true: $*"; fi
    echo "SKIP: PostgreSQL cannot start here: $*"
    exit 77
}

# as_pg CMD...: run CMD as the server's OS user
as_pg() {
    if [ -n "$PG_USER_OS" ]; then runuser -u "$PG_USER_OS" -- "$@"; else "$@"; fi
}

pg_stop() {
    [ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
}

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# pg_start: sets PG_DIR, PG_SOCK, PG_PORT, PG_PASSWORD (of role $PG_SUPER,
# required on TCP: scram-sha-256; the Unix socket trusts).
pg_start() {
    [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] || pg_unavailable "$PG_BIN/initdb or pg_ctl missing (Debian postgresql-15)"
    PG_DIR="$LMKV_TEST_TMP/pg"
    mkdir -p "$PG_DIR"
    if [ "$(id -u)" = 0 ]; then
        PG_USER_OS=nobody
        id "$PG_USER_OS" >/dev/null 2>&1 || pg_unavailable "no user '$PG_USER_OS' to run the server as"
        chmod 755 "$LMKV_TEST_TMP"
        chown "$PG_USER_OS" "$PG_DIR"
    fi
    PG_SOCK="$PG_DIR/sock"
    as_pg mkdir -p "$PG_SOCK"
    PG_PASSWORD="pw-$(od -An -tx8 -N8 /dev/urandom | tr -d ' ')"
    printf '%s\n' "$PG_PASSWORD" >"$PG_DIR/pwfile"
    [ -n "$PG_USER_OS" ] && chown "$PG_USER_OS" "$PG_DIR/pwfile"
    chmod 600 "$PG_DIR/pwfile"
    as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$PG_SUPER" --pwfile="$PG_DIR/pwfile" -A trust \
        --auth-host=scram-sha-256 -E UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 ||
        pg_unavailable "initdb failed: $(tail -n 1 "$PG_DIR/initdb.log")"
    rm -f "$PG_DIR/pwfile"
    PG_PORT=$(free_port)
    as_pg sh -c "cat >>'$PG_DIR/data/postgresql.conf'" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 40
shared_buffers = 32MB
CONF
    trap 'pg_stop' EXIT
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null 2>&1 ||
        pg_unavailable "pg_ctl start failed: $(tail -n 2 "$PG_DIR/server.log" 2>/dev/null | tr '\n' ' ')"
    # the socket URL (trust) and the TCP URL (password from elsewhere)
    PG_URL="postgresql://$PG_SUPER@/postgres?host=$PG_SOCK&port=$PG_PORT"
    PG_TCP="postgresql://$PG_SUPER@127.0.0.1:$PG_PORT/postgres"
    export PGCONNECT_TIMEOUT=10
}

pg_restart_immediate() {
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 60 restart -l "$PG_DIR/server.log" >/dev/null 2>&1
}

# psql_q SQL: one value/rows, unaligned, tuples only (over the socket)
psql_q() { psql -X -At -v ON_ERROR_STOP=1 "$PG_URL" -c "$1"; }
