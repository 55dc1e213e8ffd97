#!/usr/bin/env bash
# start|stop a throwaway PostgreSQL for the SQL session-store tests: 127.0.0.1 only, its own port and
# data directory under /tmp, trust auth for the loopback user `postgres`, database `rcc_test`.
# Idempotent: `start` on a running server and `stop` on a stopped one do nothing. No systemd.
#   RCC_PG_PORT (default 15432), RCC_PG_DATA (default /tmp/rcc-ci-pg)
set -euo pipefail
PORT="${RCC_PG_PORT:-15432}"
DATA="${RCC_PG_DATA:-/tmp/rcc-ci-pg}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -n "$BIN" ] || BIN="$(dirname "$(command -v pg_ctl)")"

# initdb and postgres refuse to run as root.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
running() { [ -f "$DATA/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

case "${1:-}" in
  start)
    if running; then echo "postgresql: already running on 127.0.0.1:$PORT"; exit 0; fi
    if [ ! -f "$DATA/PG_VERSION" ]; then
      mkdir -p "$DATA"
      [ "$(id -u)" = 0 ] && chown postgres: "$DATA"
      chmod 700 "$DATA"
      as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-locale >"$DATA.initdb.log" 2>&1 \
        || { cat "$DATA.initdb.log"; exit 1; }
    fi
    as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$DATA -c fsync=off" start >/dev/null \
      || { cat "$DATA/server.log"; exit 1; }
    psql -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'rcc_test'" | grep -q 1 \
      || psql -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE DATABASE rcc_test"
    echo "postgresql: running on 127.0.0.1:$PORT (postgres://postgres@127.0.0.1:$PORT/rcc_test)"
    ;;
  stop)
    if running; then as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; echo "postgresql: stopped"; fi
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
