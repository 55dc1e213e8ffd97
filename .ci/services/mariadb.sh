#!/usr/bin/env bash
# start|stop a throwaway MariaDB for the SQL session-store tests: 127.0.0.1 only, its own port, socket and
# data directory under /tmp, user rcc/rcc owning database `rcc_test`. Idempotent; no systemd.
#   RCC_MYSQL_PORT (default 13306), RCC_MYSQL_DATA (default /tmp/rcc-ci-mysql)
set -euo pipefail
PORT="${RCC_MYSQL_PORT:-13306}"
DATA="${RCC_MYSQL_DATA:-/tmp/rcc-ci-mysql}"
SOCK="$DATA/mysqld.sock"
PID="$DATA/mysqld.pid"
USER_OPT=(); [ "$(id -u)" = 0 ] && USER_OPT=(--user=mysql)

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
running() { service_running "$PID"; }
client() { mariadb --no-defaults -uroot --socket="$SOCK" "$@"; }

case "${1:-}" in
  start)
    if running; then echo "mariadb: already running on 127.0.0.1:$PORT"; exit 0; fi
    if [ ! -d "$DATA/mysql" ]; then
      mkdir -p "$DATA"
      [ "$(id -u)" = 0 ] && chown mysql: "$DATA"
      mariadb-install-db --no-defaults --datadir="$DATA" "${USER_OPT[@]}" --auth-root-authentication-method=socket \
        --skip-test-db >"$DATA.install.log" 2>&1 || { cat "$DATA.install.log"; exit 1; }
    fi
    # setsid + nohup: the server outlives this script, and the caller's trap stops it with `stop`.
    setsid nohup mariadbd --no-defaults --datadir="$DATA" "${USER_OPT[@]}" --bind-address=127.0.0.1 --port="$PORT" \
      --socket="$SOCK" --pid-file="$PID" --skip-name-resolve --innodb-flush-log-at-trx-commit=2 \
      --log-error="$DATA/server.log" </dev/null >/dev/null 2>&1 &
    for _ in $(seq 1 60); do
      mariadb-admin --no-defaults -uroot --socket="$SOCK" ping >/dev/null 2>&1 && break
      sleep 0.5
    done
    mariadb-admin --no-defaults -uroot --socket="$SOCK" ping >/dev/null 2>&1 || { cat "$DATA/server.log"; exit 1; }
    client -e "CREATE DATABASE IF NOT EXISTS rcc_test CHARACTER SET utf8mb4;
      CREATE USER IF NOT EXISTS 'rcc'@'127.0.0.1' IDENTIFIED BY 'rcc';
      GRANT ALL ON rcc_test.* TO 'rcc'@'127.0.0.1';"
    echo "mariadb: running on 127.0.0.1:$PORT (mysql://rcc:rcc@127.0.0.1:$PORT/rcc_test)"
    ;;
  stop)
    if running; then
      mariadb-admin --no-defaults -uroot --socket="$SOCK" shutdown >/dev/null 2>&1 || kill "$(cat "$PID")"
      for _ in $(seq 1 60); do running || break; sleep 0.5; done
      echo "mariadb: stopped"
    fi
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
