#!/usr/bin/env bash
# Redis for the tests: `redis.sh start|stop`. Debian's redis-server on 127.0.0.1 only, port
# RCC_REDIS_PORT (default 16379, not the system's 6379), data and pid under a directory of its own,
# no persistence. Idempotent: start on a running server and stop on a stopped one are no-ops.
# No systemd: the server is a plain daemon of this job.
set -euo pipefail
PORT="${RCC_REDIS_PORT:-16379}"
DIR="${RCC_SERVICES_DIR:-${TMPDIR:-/tmp}/rcc-ci-services}/redis-$PORT"
PIDFILE="$DIR/redis.pid"

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
running() { service_running "$PIDFILE"; }

case "${1:-}" in
  start)
    if running; then echo "redis already running on 127.0.0.1:$PORT"; exit 0; fi
    mkdir -p "$DIR"
    redis-server --bind 127.0.0.1 --port "$PORT" --protected-mode yes --dir "$DIR" \
      --save '' --appendonly no --daemonize yes --pidfile "$PIDFILE" --logfile "$DIR/redis.log"
    for _ in $(seq 1 50); do
      redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG && { echo "redis on 127.0.0.1:$PORT"; exit 0; }
      sleep 0.1
    done
    echo "redis did not start on 127.0.0.1:$PORT:" >&2; cat "$DIR/redis.log" >&2 || true; exit 1
    ;;
  stop)
    service_stop "redis on 127.0.0.1:$PORT" "$PIDFILE"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
