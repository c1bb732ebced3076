# Sourced by the run-*.sh scripts: runs a benchmark driver JVM so that Ctrl-C, a kill or the
# script's own exit also stop it, and with it (through its shutdown hook) every server it started.

# run_driver JAVA_ARGS... : runs `java JAVA_ARGS...` in the background, waits, returns its status.
run_driver() {
  DRIVER_PID=""
  trap stop_driver EXIT
  trap 'exit 130' INT TERM
  java "$@" &
  DRIVER_PID=$!
  local rc=0
  wait "$DRIVER_PID" || rc=$?
  DRIVER_PID=""
  return $rc
}

stop_driver() {
  if [ -n "${DRIVER_PID:-}" ] && kill -0 "$DRIVER_PID" 2>/dev/null; then
    kill "$DRIVER_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$DRIVER_PID" 2>/dev/null || break; sleep 1; done
    kill -9 "$DRIVER_PID" 2>/dev/null || true
  fi
}
