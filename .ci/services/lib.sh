# Shared by redis.sh, memcached.sh and mariadb.sh (sourced): a daemon of this job, known by its pid file.
# service_running PIDFILE; service_stop NAME PIDFILE (idempotent: nothing to do when not running).
service_running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

service_stop() {
  local name="$1" pidfile="$2" pid
  if service_running "$pidfile"; then
    pid="$(cat "$pidfile")"
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "$name stopped"
  fi
  rm -f "$pidfile"
}
