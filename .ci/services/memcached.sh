#!/usr/bin/env bash
# Memcached for the tests: `memcached.sh start|stop`. Debian's memcached on 127.0.0.1 only (TCP,
# no UDP), port RCC_MEMCACHED_PORT (default 21211, not the system's 11211), 64 MB. Idempotent. No systemd.
set -euo pipefail
PORT="${RCC_MEMCACHED_PORT:-21211}"
DIR="${RCC_SERVICES_DIR:-${TMPDIR:-/tmp}/rcc-ci-services}/memcached-$PORT"
PIDFILE="$DIR/memcached.pid"

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
running() { service_running "$PIDFILE"; }

case "${1:-}" in
  start)
    if running; then echo "memcached already running on 127.0.0.1:$PORT"; exit 0; fi
    mkdir -p "$DIR"
    # memcached refuses to run as root without -u; it then writes its pid file as that user.
    user_args=(); [ "$(id -u)" = 0 ] && { user_args=(-u nobody); chmod 777 "$DIR"; }
    memcached -d "${user_args[@]}" -l 127.0.0.1 -p "$PORT" -U 0 -m 64 -P "$PIDFILE"
    for _ in $(seq 1 50); do
      if running && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then echo "memcached on 127.0.0.1:$PORT"; exit 0; fi
      sleep 0.1
    done
    echo "memcached did not start on 127.0.0.1:$PORT" >&2; exit 1
    ;;
  stop)
    service_stop "memcached on 127.0.0.1:$PORT" "$PIDFILE"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
