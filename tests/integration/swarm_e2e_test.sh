#!/usr/bin/env bash
# End to end on a real swarm: the swarmscope image and stack, the monitoring stack
# (Prometheus, Alertmanager, node-exporter; Grafana is in no registry this machine reaches)
# and a small test stack, checked through Prometheus' HTTP API.
#   tests/integration/swarm_e2e_test.sh [path/to/swarmscope]
# Without an argument it builds the collector first (a developer's one command). It starts
# its own dockerd and single-node swarm (tests/integration/dockerd.sh: no registry is ever
# contacted), builds every image locally, and removes all of it when it ends.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [ $# -eq 0 ]; then
  bash "$repo/provisioning/install-deps.sh" test
  cmake -S "$repo" -B "$repo/build/release" -DCMAKE_BUILD_TYPE=Release -DSWARMSCOPE_TESTS=OFF >/dev/null
  cmake --build "$repo/build/release" -j"$(nproc)" --target swarmscope >/dev/null
  set -- "$repo/build/release/swarmscope"
fi
source "$here/lib.sh"
docker_cli=/usr/bin/docker
[ -x "$docker_cli" ] || docker_cli=docker
export DOCKER=$docker_cli
dk="$WORK/dockerd"

teardown() {
  if [ -S "$dk/docker.sock" ]; then
    $docker_cli stack rm e2e monitoring swarmscope >/dev/null 2>&1 || true
  fi
  bash "$here/dockerd.sh" stop "$dk" >/dev/null 2>&1 || true
}
trap 'teardown; cleanup' EXIT

# What the host looks like before: compared at the end, after everything is removed.
host_snapshot() {
  { ip -br link | awk '{print $1}' | sort; iptables-save | grep -v '^#' | sed 's/\[[0-9:]*\]//'
    cat /proc/sys/net/ipv4/ip_forward; ls /sys/fs/cgroup/*/ 2>/dev/null | grep -c swarmscope-test || true; }
}
host_snapshot >"$WORK/host.before"

eval "export $(bash "$here/dockerd.sh" start "$dk")"
ok "dockerd with a single-node swarm is up"

# Images: all local, nothing pulled.
bash "$repo/provisioning/build-image.sh" --binary "$SWARMSCOPE" --tag swarmscope:e2e
bash "$here/debian-images.sh" build "${TEST_DEB_CACHE:-$WORK/deb}" >/dev/null
build_test_image "$docker_cli"
ok "images built: swarmscope (FROM scratch), Prometheus, Alertmanager, node-exporter from Debian packages"

# The stack variables that differ between this machine and a real cluster: no IPVS here
# (dnsrr, host-mode ports), a private dockerd socket and cgroup parent, local images.
prom_port=$(free_port)
export COLLECTOR_IMAGE=swarmscope:e2e \
  CGROUP_PARENTS=/swarmscope-test-docker DOCKER_SOCKET="$dk/docker.sock" \
  PROMETHEUS_IMAGE=swarmscope-test/prometheus:deb ALERTMANAGER_IMAGE=swarmscope-test/alertmanager:deb \
  NODE_EXPORTER_IMAGE=swarmscope-test/node-exporter:deb ENDPOINT_MODE=dnsrr PUBLISH_MODE=host \
  PROMETHEUS_PORT=$prom_port ALERTMANAGER_PORT=$(free_port)
prom="http://127.0.0.1:$prom_port"

deploy_start=$(date +%s)
$docker_cli stack deploy --resolve-image never -c "$repo/stacks/swarmscope/docker-stack.yml" swarmscope >/dev/null
$docker_cli stack deploy --resolve-image never -c "$repo/stacks/monitoring/docker-stack.yml" monitoring >/dev/null
$docker_cli stack deploy --resolve-image never -c "$here/e2e-test-stack.yml" e2e >/dev/null
ok "stacks deployed: swarmscope, monitoring, e2e"

# wait_prom DESCRIPTION SECONDS PATH PYTHON-CONDITION: polls Prometheus' API at PATH until
# the condition holds over `d` (the answer's "data") and helpers:
#   r  = [(labels, value)] of a vector result
#   up(job) = [health of each active target of that job]
wait_prom() {
  local what=$1 seconds=$2 path=$3 cond=$4 start
  start=$(date +%s)
  while :; do
    if curl -sf --max-time 5 "$prom$path" -o "$WORK/answer.json" 2>/dev/null &&
      python3 - "$WORK/answer.json" "$cond" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["data"]
r = []
if isinstance(d, dict) and d.get("resultType") == "vector":
    r = [(x["metric"], float(x["value"][1])) for x in d["result"]]
def up(job):
    return [t["health"] for t in d.get("activeTargets", []) if t["labels"].get("job") == job]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
    then
      ok "$what (after $(( $(date +%s) - start )) s)"
      return 0
    fi
    if [ $(( $(date +%s) - start )) -ge "$seconds" ]; then
      echo "last answer from $path: $(head -c 3000 "$WORK/answer.json" 2>/dev/null)" >&2
      $docker_cli service ls >&2 || true
      $docker_cli service ps --no-trunc swarmscope_collector monitoring_prometheus monitoring_node-exporter >&2 || true
      fail "$what: not within $seconds s"
    fi
    sleep 1
  done
}
query() {  # query PROMQL -> an API path
  printf '/api/v1/query?query=%s' "$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1")"
}

nodes=$($docker_cli node ls -q | wc -l)
wait_prom "every swarmscope and node-exporter target is up ($nodes node)" 180 /api/v1/targets \
  "up('swarmscope') == ['up'] * $nodes and up('node-exporter') == ['up'] * $nodes"
echo "deploy to all targets up: $(( $(date +%s) - deploy_start )) s"

wait_prom "Prometheus found Alertmanager (tasks.alertmanager)" 60 /api/v1/alertmanagers \
  'len(d["activeAlertmanagers"]) == 1'
wait_prom "the alert rules are loaded" 30 /api/v1/rules \
  'sorted(g["name"] for g in d["groups"]) == ["node", "swarmscope"] and all(g["rules"] for g in d["groups"])'

svc='container_label_com_docker_swarm_service_name="e2e_app"'
wait_prom "CPU and working set of the test service's containers, with their swarm service label" 90 \
  "$(query "count(container_cpu_usage_seconds_total{$svc}) == 2 and count(container_memory_working_set_bytes{$svc}) == 2")" \
  'len(r) == 1'
wait_prom "the swarm service metrics show desired = running = 2" 90 \
  "$(query 'docker_swarm_service_desired_tasks{service_name="e2e_app"} == 2 and docker_swarm_service_running_tasks{service_name="e2e_app"} == 2')" \
  'len(r) == 1'
$docker_cli service scale -d e2e_app=3 >/dev/null
wait_prom "scaling to 3 is followed: desired = running = 3, three containers" 120 \
  "$(query 'docker_swarm_service_desired_tasks{service_name="e2e_app"} == 3 and docker_swarm_service_running_tasks{service_name="e2e_app"} == 3 and on() count(container_cpu_usage_seconds_total{'"$svc"'}) == 3')" \
  'len(r) == 1'

hostname=$($docker_cli info --format '{{.Name}}')
wait_prom "node_meta joins node-exporter series to the node's name ($hostname)" 60 \
  "$(query 'node_load1 * on(swarm_node_id) group_left(node_name) node_meta')" \
  "len(r) == $nodes and all(m.get('node_name') == '$hostname' and m.get('job') == 'node-exporter' for m, _ in r)"
wait_prom "each cluster series is scraped once (one collector, on one network)" 30 \
  "$(query 'count by (service_name) (docker_swarm_service_desired_tasks) > 1 or on() absent(docker_swarm_service_desired_tasks)')" \
  'r == []'
wait_prom "the collector's healthcheck (swarmscope --healthcheck in the scratch image) passes" 60 \
  "$(query 'docker_container_health_status{name=~"swarmscope_collector[.].*",status="healthy"} == 1')" \
  "len(r) == $nodes"
curl -sf --get --data-urlencode 'query=max(container_memory_working_set_bytes{container_label_com_docker_swarm_service_name="swarmscope_collector"})' \
  "$prom/api/v1/query" -o "$WORK/footprint.json"
echo "swarmscope collector working set in its container: $(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["data"]["result"]
print("%.1f MiB (limit 64 MiB)" % (float(r[0]["value"][1]) / 2**20) if r else "unknown")' "$WORK/footprint.json")"

$docker_cli stack rm e2e >/dev/null
wait_prom "after the test stack is removed, its container series go stale" 120 \
  "$(query "container_cpu_usage_seconds_total{$svc} or docker_container_info{$svc}")" 'r == []'

# Everything goes: stacks, daemon, images (in the daemon's own data root), bridges,
# iptables rules, cgroups.
teardown
host_snapshot >"$WORK/host.after"
diff "$WORK/host.before" "$WORK/host.after" || fail "the machine is not as the test found it (diff above)"
ok "stacks, daemon, images, bridges, iptables rules and cgroups removed: the machine is as it was"

echo "swarm_e2e_test: $CHECKS checks passed"
