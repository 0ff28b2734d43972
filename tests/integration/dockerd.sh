#!/usr/bin/env bash
# A private dockerd with a single-node swarm for the tests, as shared/recipes/docker-swarm.md
# says: nothing may try to reach a registry (offline images, DNS to 127.0.0.1, no image
# resolution), its own data root, exec root, socket and cgroup parent.
#   tests/integration/dockerd.sh start DIR    -> prints DOCKER_HOST=unix://DIR/docker.sock
#   tests/integration/dockerd.sh stop DIR
#   tests/integration/dockerd.sh restart DIR  (stop and start the daemon, swarm state kept)
#   tests/integration/dockerd.sh halt DIR     (stop the daemon only; `resume` starts it again)
#   tests/integration/dockerd.sh resume DIR
# DOCKERD_ADVERTISE_ADDR (default 127.0.0.1): the swarm's advertise and listen address, which
# is the node's address that Prometheus' node discovery gives (a container cannot reach the
# host at 127.0.0.1).
# DOCKERD_METRICS_ADDR (default: none): dockerd's --metrics-addr, e.g. 127.0.0.1:PORT, where
# dockerd serves its own metrics (read through swarmscope's /engine/metrics relay).
# DOCKERD_DATA_PATH_PORT (default: docker's, 4789): the swarm's VXLAN UDP port. Overlay
# networks of two swarms on one host get the same VNIs, and the second VXLAN device for a
# VNI on the same port fails ("error creating vxlan interface: file exists"): a test whose
# swarm may meet another one's gives its own port.
set -euo pipefail
cmd=${1:?usage: $0 start|stop|restart|halt|resume DIR}
dir=${2:?usage: $0 start|stop|restart|halt|resume DIR}
sock="$dir/docker.sock"
docker_cli=/usr/bin/docker
[ -x "$docker_cli" ] || docker_cli=docker

ping() { curl -sf --unix-socket "$sock" -o /dev/null http://localhost/_ping; }

start_daemon() {
  mkdir -p "$dir/data" "$dir/exec"
  DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid dockerd \
    --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
    -H "unix://$sock" --dns 127.0.0.1 --ip6tables=false \
    --cgroup-parent /swarmscope-test-docker \
    ${DOCKERD_METRICS_ADDR:+--metrics-addr "$DOCKERD_METRICS_ADDR"} \
    >>"$dir/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 200); do
    ping && return 0
    sleep 0.1
  done
  echo "dockerd did not answer /_ping; its log:" >&2
  tail -30 "$dir/dockerd.log" >&2
  return 1
}

stop_daemon() {
  [ -f "$dir/dockerd.pid" ] || return 0
  local pid
  pid=$(cat "$dir/dockerd.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/dockerd.pid"
}

# What a daemon leaves on the host outside its own directories: the bridges docker0 and
# docker_gwbridge, iptables chains and rules (and the FORWARD policy), net.ipv4.ip_forward,
# /run/docker and /etc/docker/key.json. `start` notes which existed; `stop` removes those
# that did not, and restores iptables and ip_forward as they were.
host_state_before() {
  mkdir -p "$dir"
  : >"$dir/host-before"
  for link in docker0 docker_gwbridge; do
    ip link show "$link" >/dev/null 2>&1 && echo "link $link" >>"$dir/host-before"
  done
  for path in /run/docker /etc/docker/key.json; do
    [ -e "$path" ] && echo "path $path" >>"$dir/host-before"
  done
  cat /proc/sys/net/ipv4/ip_forward >"$dir/ip_forward.before"
  iptables-save -t filter >"$dir/iptables-filter.before"
  iptables-save -t nat >"$dir/iptables-nat.before"
}

host_state_restore() {
  [ -f "$dir/host-before" ] || return 0
  for link in docker0 docker_gwbridge; do
    grep -qx "link $link" "$dir/host-before" || ip link del "$link" 2>/dev/null || true
  done
  for path in /run/docker /etc/docker/key.json; do
    grep -qx "path $path" "$dir/host-before" || rm -rf "$path"
  done
  for table in filter nat; do
    iptables-restore <"$dir/iptables-$table.before" || echo "dockerd.sh: could not restore iptables $table" >&2
  done
  cat "$dir/ip_forward.before" >/proc/sys/net/ipv4/ip_forward
}

case "$cmd" in
  start)
    if ! command -v dockerd >/dev/null; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io >/dev/null
    fi
    [ -f "$dir/host-before" ] || host_state_before
    start_daemon
    if ! DOCKER_HOST="unix://$sock" "$docker_cli" info --format '{{.Swarm.LocalNodeState}}' | grep -qx active; then
      addr=${DOCKERD_ADVERTISE_ADDR:-127.0.0.1}
      DOCKER_HOST="unix://$sock" "$docker_cli" swarm init --advertise-addr "$addr" \
        --listen-addr "$addr:2377" ${DOCKERD_DATA_PATH_PORT:+--data-path-port "$DOCKERD_DATA_PATH_PORT"} >/dev/null
    fi
    echo "DOCKER_HOST=unix://$sock"
    ;;
  stop)
    if ping 2>/dev/null; then
      DOCKER_HOST="unix://$sock" "$docker_cli" ps -aq | xargs -r env DOCKER_HOST="unix://$sock" "$docker_cli" rm -f >/dev/null 2>&1 || true
      DOCKER_HOST="unix://$sock" "$docker_cli" swarm leave --force >/dev/null 2>&1 || true
    fi
    stop_daemon
    host_state_restore
    # Mounts left under the data root by overlay2 and netns files.
    grep -o " $dir/[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$dir"
    # The cgroup parent dockerd made (leave the machine as it was).
    for c in /sys/fs/cgroup/*/swarmscope-test-docker /sys/fs/cgroup/swarmscope-test-docker; do
      [ -d "$c" ] && rmdir "$c" 2>/dev/null || true
    done
    ;;
  restart)
    stop_daemon
    start_daemon
    ;;
  halt) stop_daemon ;;
  resume) start_daemon ;;
  *) echo "usage: $0 start|stop|restart|halt|resume DIR" >&2; exit 2 ;;
esac
