#!/usr/bin/env bash
# End to end on a real swarm: the swarmscope image and stack (with its keepalived override),
# the keepalived stack holding a VIP, the monitoring stack (Prometheus, Alertmanager,
# node-exporter; Grafana is in no registry this machine reaches) and a small test stack,
# checked through Prometheus' HTTP API.
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
link=ssk-e2e0 node_addr=192.0.2.1 vip=192.0.2.100

teardown() {
  if [ -S "$dk/docker.sock" ]; then
    $docker_cli stack rm e2e monitoring keepalived swarmscope >/dev/null 2>&1 || true
  fi
  bash "$here/dockerd.sh" stop "$dk" >/dev/null 2>&1 || true
  ip link del "$link" 2>/dev/null || true
}
trap 'teardown; cleanup' EXIT

# What the host looks like before: compared at the end, after everything is removed.
host_snapshot() {
  { ip -br link | awk '{print $1}' | sort; iptables-save | grep -v '^#' | sed 's/\[[0-9:]*\]//'
    cat /proc/sys/net/ipv4/ip_forward; ls /sys/fs/cgroup/*/ 2>/dev/null | grep -c swarmscope-test || true; }
}
# The node's address: one end of a veth pair made here, 192.0.2.1 (TEST-NET-1). The swarm
# advertises it, so Prometheus (in a container) reaches the collectors on the host network
# at the address its node discovery gives; keepalived's VRRP instance runs on it. The other
# end only gives the link a carrier.
# The collector listens on port 9338 of the host (the stack's fixed port).
if ss -Hltn 'sport = :9338' | grep -q .; then
  fail "port 9338 is taken on this host; the swarmscope stack listens there: $(ss -Hltnp 'sport = :9338')"
fi
ip link del "$link" 2>/dev/null || true
host_snapshot >"$WORK/host.before"
ip link add "$link" type veth peer name ssk-e2e1
ip addr add "$node_addr/24" dev "$link"
ip link set "$link" up
ip link set ssk-e2e1 up

engine_metrics_port=$(free_port)  # dockerd's own metrics, relayed by swarmscope
eval "export $(DOCKERD_ADVERTISE_ADDR=$node_addr DOCKERD_METRICS_ADDR=127.0.0.1:$engine_metrics_port \
  bash "$here/dockerd.sh" start "$dk")"
ok "dockerd with a single-node swarm is up (advertising $node_addr)"
hostname=$($docker_cli info --format '{{.Name}}')

# Images: all local, nothing pulled.
bash "$repo/provisioning/build-image.sh" --binary "$SWARMSCOPE" --tag swarmscope:e2e
bash "$repo/provisioning/build-keepalived-image.sh" --tag swarmscope-keepalived:e2e
bash "$repo/provisioning/debian-images.sh" build "${TEST_DEB_CACHE:-$WORK/deb}" >/dev/null
build_test_image "$docker_cli"
ok "images built: swarmscope and keepalived (FROM scratch), Prometheus, Alertmanager, node-exporter from Debian packages"

# The stack variables that differ between this machine and a real cluster: no IPVS here
# (dnsrr, host-mode ports), a private dockerd socket and cgroup parent, local images.
prom_port=$(free_port)
export COLLECTOR_IMAGE=swarmscope:e2e \
  CGROUP_PARENTS=/swarmscope-test-docker DOCKER_SOCKET="$dk/docker.sock" \
  PROMETHEUS_IMAGE=swarmscope-test/prometheus:deb ALERTMANAGER_IMAGE=swarmscope-test/alertmanager:deb \
  NODE_EXPORTER_IMAGE=swarmscope-test/node-exporter:deb ENDPOINT_MODE=dnsrr PUBLISH_MODE=host \
  PROMETHEUS_PORT=$prom_port ALERTMANAGER_PORT=$(free_port) \
  DOCKERD_METRICS_URL=http://127.0.0.1:$engine_metrics_port/metrics
prom="http://127.0.0.1:$prom_port"

# keepalived: one file for every node, the lines of this node selected by its host name
# (keepalived's config id), as stacks/keepalived/keepalived.conf.example does.
cat >"$WORK/keepalived.conf" <<KEEPALIVED
global_defs {
  router_id e2e
}
vrrp_instance VI_E2E {
  interface $link
  virtual_router_id 51
  advert_int 1
@${hostname%%.*}  priority 150
@^${hostname%%.*}  priority 7
  virtual_ipaddress {
    $vip/32
  }
}
KEEPALIVED
export KEEPALIVED_IMAGE=swarmscope-keepalived:e2e KEEPALIVED_CONF_FILE="$WORK/keepalived.conf" \
  KEEPALIVED_DUMP_INTERVAL=2 KEEPALIVED_VIPS=$vip
$docker_cli node update --label-add keepalived=true "$hostname" >/dev/null

deploy_start=$(date +%s)
$docker_cli stack deploy --resolve-image never -c "$repo/stacks/swarmscope/docker-stack.yml" \
  -c "$repo/stacks/swarmscope/keepalived.yml" swarmscope >/dev/null
$docker_cli stack deploy --resolve-image never -c "$repo/stacks/keepalived/docker-stack.yml" keepalived >/dev/null
$docker_cli stack deploy --resolve-image never -c "$repo/stacks/monitoring/docker-stack.yml" monitoring >/dev/null
$docker_cli stack deploy --resolve-image never -c "$here/e2e-test-stack.yml" e2e >/dev/null
ok "stacks deployed: swarmscope (with keepalived.yml), keepalived, monitoring, e2e"

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
      $docker_cli ps -a --format "{{.ID}} {{.Names}} {{.Status}}" >&2 || true
      $docker_cli service ps --no-trunc swarmscope_collector keepalived_keepalived monitoring_prometheus \
        monitoring_node-exporter >&2 || true
      $docker_cli service logs --tail 20 keepalived_keepalived >&2 || true
      echo "the collector's keepalived and error series:" >&2
      curl -sf --max-time 5 "http://$node_addr:9338/metrics" | grep -E '^(keepalived_|swarmscope_collector_errors)' >&2 || true
      $docker_cli service logs --tail 20 swarmscope_collector >&2 || true
      fail "$what: not within $seconds s"
    fi
    sleep 1
  done
}
query() {  # query PROMQL -> an API path
  printf '/api/v1/query?query=%s' "$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1")"
}

nodes=$($docker_cli node ls -q | wc -l)
wait_prom "every swarmscope (by node, at $node_addr:9338, instance = its hostname) and node-exporter target is up ($nodes node)" 180 \
  /api/v1/targets "up('swarmscope') == ['up'] * $nodes and up('node-exporter') == ['up'] * $nodes and \
  [(t['labels']['instance'], t['scrapeUrl']) for t in d['activeTargets'] if t['labels']['job'] == 'swarmscope'] \
  == [('$hostname', 'http://$node_addr:9338/metrics')]"
echo "deploy to all targets up: $(( $(date +%s) - deploy_start )) s"

wait_prom "Prometheus found Alertmanager (tasks.alertmanager)" 60 /api/v1/alertmanagers \
  'len(d["activeAlertmanagers"]) == 1'
wait_prom "the alert rules are loaded" 30 /api/v1/rules \
  'sorted(g["name"] for g in d["groups"]) == ["ceph", "ceph-recording", "containers", "keepalived", "node", "swarm", "swarm-recording", "swarmprom-compat", "swarmscope"] and all(g["rules"] for g in d["groups"])'

svc='container_label_com_docker_swarm_service_name="e2e_app"'
wait_prom "CPU and working set of the test service's containers, with their swarm service label" 90 \
  "$(query "count(container_cpu_usage_seconds_total{$svc}) == 2 and count(container_memory_working_set_bytes{$svc}) == 2")" \
  'len(r) == 1'
# The collector has a pid namespace of its own (a swarm service cannot share the host's):
# the test service's processes are found in the host's /proc, and its own container, on the
# host's network, must not get the host's interfaces.
wait_prom "network, block I/O and processes of the test service's containers; none for the collector's own on the host network" 90 \
  "$(query "count(count by (id) (container_network_receive_bytes_total{$svc})) == 2 and count(count by (id) (container_fs_writes_bytes_total{$svc} or container_fs_reads_bytes_total{$svc})) == 2 and count(container_processes{$svc} >= 1) == 2 and on() absent(container_network_receive_bytes_total{container_label_com_docker_swarm_service_name=\"swarmscope_collector\"})")" \
  'len(r) == 1'
wait_prom "the swarm service metrics show desired = running = 2" 90 \
  "$(query 'docker_swarm_service_desired_tasks{service_name="e2e_app"} == 2 and docker_swarm_service_running_tasks{service_name="e2e_app"} == 2')" \
  'len(r) == 1'
$docker_cli service scale -d e2e_app=3 >/dev/null
wait_prom "scaling to 3 is followed: desired = running = 3, three containers" 120 \
  "$(query 'docker_swarm_service_desired_tasks{service_name="e2e_app"} == 3 and docker_swarm_service_running_tasks{service_name="e2e_app"} == 3 and on() count(container_cpu_usage_seconds_total{'"$svc"'}) == 3')" \
  'len(r) == 1'

wait_prom "the swarm recording rules answer on real data (desired 3 for e2e_app, without the leader's labels)" 60 \
  "$(query 'swarm:docker_swarm_service_desired_tasks:max{service_name="e2e_app"} == 3')" \
  "len(r) == 1 and 'instance' not in r[0][0] and 'swarm_node_name' not in r[0][0]"
wait_prom "node_meta joins node-exporter series to the node's name ($hostname)" 60 \
  "$(query 'node_load1 * on(swarm_node_id) group_left(node_name) node_meta')" \
  "len(r) == $nodes and all(m.get('node_name') == '$hostname' and m.get('job') == 'node-exporter' for m, _ in r)"
# swarmprom's joins: node-exporter's and swarmscope's targets of one node share instance
# (the node's hostname), and its root filesystem is also there as mountpoint="/rootfs".
wait_prom "swarmprom's join on(instance) of node-exporter series to node_meta, and its /rootfs disk" 60 \
  "$(query 'sum by (node_name) ((node_filesystem_size_bytes{mountpoint="/rootfs"} - node_filesystem_free_bytes{mountpoint="/rootfs"}) * on(instance) group_left(node_name) node_meta) > 0 and on(node_name) (node_load1 * on(instance) group_left(node_name) node_meta)')" \
  "len(r) == $nodes and all(m.get('node_name') == '$hostname' for m, _ in r)"
python3 "$repo/tests/swarmprom/check.py" --prometheus "$prom" --timeout 120 &&
  ok "swarmprom's dashboard and alert queries (tests/swarmprom/queries.json) return data, but the listed exceptions" ||
  fail "swarmprom's queries that return nothing or fail are listed above"
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


# keepalived through its stack: swarmscope on the host network sees the VIP on the node's
# interface and the node's own adverts on the wire, and reads the dumps keepalived-run
# refreshes in the shared volume (state, priority from this node's @ line, counters).
wait_prom "keepalived holds the VIP: present, wire master, MASTER with priority 150 in its dumps ($hostname)" 120 \
  "$(query 'keepalived_vip_present{vip="'$vip'"} == 1 and on() keepalived_wire_master{vrid="51",intf="'$link'"} == 1
    and on() keepalived_vrrp_state{iname="VI_E2E",ip_address="'$vip'/32"} == 2
    and on() keepalived_vrrp_effective_priority{iname="VI_E2E"} == 150 and on() keepalived_up == 1')" \
  "len(r) == 1 and r[0][0].get('node_name') == '$hostname' and r[0][0].get('job') == 'swarmscope'"
wait_prom "keepalived's dumps are refreshed (adverts sent keep rising in them)" 90 \
  "$(query 'increase(keepalived_advertisements_sent_total{iname="VI_E2E"}[1m]) > 0')" 'len(r) == 1'
# The dashboards on real data: an update of the test service (for the update panels; the
# e2e_fail service's tasks fail by design), then every panel query of every dashboard but
# Ceph's (no Ceph cluster here: tests/integration/ceph_test.py evaluates that one).
$docker_cli service update -d --env-add E2E_UPDATED=1 e2e_app >/dev/null
wait_prom "the test service's update completes (docker_swarm_service_update_state)" 180 \
  "$(query 'swarm:docker_swarm_service_update_state:max{service_name="e2e_app",state="completed"} == 1')" 'len(r) == 1'
wait_prom "the failing test service's failed tasks are counted" 60 \
  "$(query 'swarm:docker_swarm_service_tasks:max{service_name="e2e_fail",state="failed"} >= 1')" 'len(r) == 1'
python3 "$repo/tests/dashboards/evaluate.py" --prometheus "$prom" --empty "$repo/tests/dashboards/e2e_empty.yml" \
  "$repo"/dashboards/{swarm-overview,swarm-nodes,swarm-services,keepalived,swarmscope}.json ||
  fail "a dashboard query returns nothing on the real swarm (above)"
ok "every panel query of the swarm, nodes, services, keepalived and swarmscope dashboards answers on real data"

# The node leaves the VIP's nodes: swarm stops its keepalived, which leaves gracefully.
$docker_cli node update --label-rm keepalived "$hostname" >/dev/null
wait_prom "keepalived stopped: the VIP left the node, a priority-0 advert was seen, the wire has no master" 90 \
  "$(query 'keepalived_vip_present{vip="'$vip'"} == 0 and on() keepalived_wire_no_master{vrid="51"} == 1
    and on() keepalived_wire_priority_zero_total{vrid="51"} >= 1')" 'len(r) == 1'
wait_prom "the alert KeepalivedVIPNoHolder goes off for $vip (pending or firing)" 90 \
  "$(query 'ALERTS{alertname="KeepalivedVIPNoHolder",vip="'$vip'"}')" 'len(r) >= 1'

$docker_cli stack rm e2e >/dev/null
# dockerd removes the stopped containers of removed tasks itself, sometimes minutes later on
# a loaded machine; until then docker_container_info rightly shows them. Once dockerd has
# removed them, their series must go within a few scrapes.
removed_at=$(date +%s)
while [ -n "$($docker_cli ps -aq --filter label=com.docker.stack.namespace=e2e)" ]; do
  if [ $(( $(date +%s) - removed_at )) -ge 300 ]; then
    $docker_cli ps -a --filter label=com.docker.stack.namespace=e2e >&2
    fail "dockerd has not removed the test stack's containers 300 s after docker stack rm"
  fi
  sleep 1
done
echo "dockerd removed the test stack's containers $(( $(date +%s) - removed_at )) s after docker stack rm"
wait_prom "after the test stack's containers are removed, their series go stale" 60 \
  "$(query "container_cpu_usage_seconds_total{$svc} or docker_container_info{$svc}")" 'r == []'

# Everything goes: stacks, daemon, images (in the daemon's own data root), bridges,
# iptables rules, cgroups.
teardown
host_snapshot >"$WORK/host.after"
diff "$WORK/host.before" "$WORK/host.after" || fail "the machine is not as the test found it (diff above)"
ok "stacks, daemon, images, bridges, iptables rules and cgroups removed: the machine is as it was"

echo "swarm_e2e_test: $CHECKS checks passed"
