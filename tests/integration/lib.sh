# Shared helpers for the integration scripts (sourced, not run).
set -euo pipefail

SWARMSCOPE=${1:?usage: $0 path/to/swarmscope}
WORK=$(mktemp -d /tmp/swarmscope-it.XXXXXX)
PIDS=()
CHECKS=0

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { CHECKS=$((CHECKS + 1)); echo "ok: $*"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_swarmscope NAME [flags...]: starts the daemon on a free loopback port, waits until
# it is listening, and sets PORT and PID. Its log is $WORK/NAME.log.
start_swarmscope() {
  local name=$1; shift
  "$SWARMSCOPE" --web.listen-address=127.0.0.1:0 "$@" >"$WORK/$name.log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq 100); do
    PORT=$(grep -E 'msg="swarmscope started"|"msg":"swarmscope started"' "$WORK/$name.log" |
      grep -oE '(port=|"port":")[0-9]+' | grep -oE '[0-9]+$' || true)
    [ -n "$PORT" ] && return 0
    kill -0 "$PID" 2>/dev/null || fail "$name exited at start: $(cat "$WORK/$name.log")"
    sleep 0.05
  done
  fail "$name did not start: $(cat "$WORK/$name.log")"
}

# build_test_image DOCKER_CLI: a FROM scratch image with busybox (no registry), tagged
# swarmscope-test/busybox:1, for the workloads of the Docker tests.
build_test_image() {
  DOCKER=$1 bash "$(dirname "${BASH_SOURCE[0]}")/../../provisioning/workload-image.sh" "$WORK/busybox-image"
}
