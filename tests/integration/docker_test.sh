#!/usr/bin/env bash
# The docker exporter against a real dockerd with a single-node swarm (tests/integration/
# dockerd.sh, which follows shared/recipes/docker-swarm.md: no registry is ever contacted).
# swarmscope talks to dockerd through a recording proxy, which proves it only sends GETs.
#   tests/integration/docker_test.sh build/ci/swarmscope
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
docker_cli=/usr/bin/docker
[ -x "$docker_cli" ] || docker_cli=docker
dk="$WORK/dockerd"
stop_dockerd() { bash "$here/dockerd.sh" stop "$dk" >/dev/null 2>&1 || true; }
trap 'stop_dockerd; cleanup' EXIT

eval "export $(bash "$here/dockerd.sh" start "$dk")"
ok "dockerd with a single-node swarm is up"

build_test_image "$docker_cli"
image=swarmscope-test/busybox:1

python3 "$here/socket_recorder.py" "$WORK/proxy.sock" "$dk/docker.sock" "$WORK/requests.log" &
PIDS+=("$!")
for _ in $(seq 50); do [ -S "$WORK/proxy.sock" ] && break; sleep 0.1; done
node_id=$($docker_cli info --format '{{.Swarm.NodeID}}')
# The node's identity as the stack passes it ({{.Node.ID}}, {{.Node.Hostname}}).
start_swarmscope main --docker.host="unix://$WORK/proxy.sock" \
  --cgroup.parents=/swarmscope-test-docker --node.id="$node_id" --node.name=test-node
url="http://127.0.0.1:$PORT/metrics"

# The workload is a stack (what users deploy); one plain container with a docker restart
# policy covers RestartCount, which swarm tasks never increment (swarm restarts by
# replacing the task).
$docker_cli stack deploy --resolve-image never -c "$here/docker-test-stack.yml" dt >/dev/null
$docker_cli run -d --name restarter --restart always "$image" sh -c 'sleep 1; exit 3' >/dev/null

scrape() { curl -sf "$url" >"$WORK/scrape.txt"; }
# wait_for DESCRIPTION SECONDS PYTHON-CONDITION [LINES-SHOWN-ON-FAILURE (an ERE)]
# over `s` (list of (name, labels, value))
wait_for() {
  local what=$1 seconds=$2 cond=$3 shown=${4:-'^docker_|collector_success'} start
  start=$(date +%s)
  while :; do
    scrape || fail "scrape failed"
    if python3 - "$WORK/scrape.txt" "$cond" <<'PY'
import re, sys
s = []
for line in open(sys.argv[1]):
    m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)', line)
    if m and not line.startswith("#"):
        s.append((m.group(1), m.group(2) or "", float(m.group(3))))
def v(name, *parts):
    for n, labels, value in s:
        if n == name and all(p in labels for p in parts):
            return value
    return None
def ids(name, *parts):
    return [re.search(r'id="[^"]*"', labels).group(0) for n, labels, _ in s
            if n == name and all(p in labels for p in parts)]
def count(name, *parts):
    return sum(1 for n, labels, _ in s if n == name and all(p in labels for p in parts))
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
    then
      ok "$what (after $(( $(date +%s) - start )) s)"
      return 0
    fi
    [ $(( $(date +%s) - start )) -lt "$seconds" ] || fail "$what: not within $seconds s; last scrape in $WORK/scrape.txt: $(grep -E "$shown" "$WORK/scrape.txt" | grep -v '^#' | head -40)"
    sleep 0.5
  done
}

wait_for "a task failing its healthcheck shows as unhealthy" 30 \
  'v("docker_container_health_status", "name=\"dt_unhealthy.1.", "status=\"unhealthy\"") == 1'
wait_for "failed health checks are counted" 20 \
  '(v("engine_daemon_health_checks_failed_total") or 0) >= 2 and v("engine_daemon_health_checks_total") >= v("engine_daemon_health_checks_failed_total")'
wait_for "an OOM-killed container is counted" 20 \
  'any((v("docker_container_oom_kills_total", i) or 0) >= 1 and v("docker_container_last_exit_code", i) == 137 for i in ids("docker_container_info", "name=\"dt_oom.1."))' \
  'dt_oom|collector_success'
wait_for "a plain container's restarts are counted" 30 \
  '(v("docker_container_restarts_total", "name=\"restarter\"") or 0) >= 2'
wait_for "a task that keeps failing is restarted as new tasks, counted as failed" 40 \
  '(v("docker_swarm_service_tasks", "service_name=\"dt_flappy\"", "state=\"failed\"") or 0) >= 2 and count("docker_container_info", "container_label_com_docker_swarm_service_name=\"dt_flappy\"") >= 2'
wait_for "swarm tasks carry their service's labels" 30 \
  'count("docker_container_info", "container_label_com_docker_swarm_service_name=\"dt_web\"") >= 2 and count("docker_container_info", "container_label_com_docker_swarm_service_name=\"dt_agent\"") == 1'
wait_for "cgroup metrics of swarm tasks carry name, image and swarm labels" 20 \
  'count("container_memory_usage_bytes", "container_label_com_docker_swarm_service_name=\"dt_web\"", "name=\"dt_web.", "image=\"swarmscope-test/busybox:1\"", "container_label_com_docker_stack_namespace=\"dt\"") >= 2'
wait_for "services carry their stack" 10 \
  'v("docker_swarm_service_info", "service_name=\"dt_web\"", "stack=\"dt\"", "mode=\"replicated\"") == 1 and v("docker_swarm_service_info", "service_name=\"dt_agent\"", "mode=\"global\"") == 1'
wait_for "node_meta joins the node's id and name" 10 \
  'count("node_meta", "node_id=\"'"$node_id"'\"", "node_name=\"test-node\"", "container_label_com_docker_swarm_node_id=\"'"$node_id"'\"") == 1'
wait_for "the leader emits desired = running for a replicated and a global service" 30 \
  'v("docker_swarm_service_desired_tasks", "service_name=\"dt_web\"") == 2 and v("docker_swarm_service_running_tasks", "service_name=\"dt_web\"") == 2 and v("docker_swarm_service_desired_tasks", "service_name=\"dt_agent\"") == 1 and v("docker_swarm_service_running_tasks", "service_name=\"dt_agent\"") == 1'
$docker_cli service scale -d dt_web=3 >/dev/null
wait_for "scaling a service is followed (desired 3, running 3)" 30 \
  'v("docker_swarm_service_desired_tasks", "service_name=\"dt_web\"") == 3 and v("docker_swarm_service_running_tasks", "service_name=\"dt_web\"") == 3 and v("docker_swarm_service_tasks", "service_name=\"dt_web\"", "state=\"running\"") == 3'
wait_for "the swarm's node is reported once, as leader" 10 \
  'count("docker_swarm_node_info") == 1 and v("docker_swarm_node_info", "leader=\"true\"", "role=\"manager\"") == 1'
promtool check metrics <"$WORK/scrape.txt" || fail "promtool check metrics on a scrape with docker metrics"
ok "promtool check metrics passes"

# Steady state: a scrape sends no Docker API request. Quiet the workload (no events), then
# scrape a second collector, whose background polls are an hour apart, through a proxy of
# its own: every request it sends in that window would be the scrapes'.
$docker_cli stack rm dt >/dev/null
# dockerd refuses to update a container waiting out its restart back-off ("cannot update a
# stopped container"); it runs for a second between back-offs, so try until one lands.
for i in $(seq 150); do
  $docker_cli update --restart=no restarter >/dev/null 2>"$WORK/update.err" && break
  [ "$i" -lt 150 ] || fail "docker update --restart=no restarter: $(cat "$WORK/update.err")"
  sleep 0.2
done
for _ in $(seq 60); do
  [ -z "$($docker_cli ps -q --filter label=com.docker.stack.namespace=dt)" ] && break
  sleep 0.5
done
python3 "$here/socket_recorder.py" "$WORK/quiet.sock" "$dk/docker.sock" "$WORK/quiet.log" &
PIDS+=("$!")
for _ in $(seq 50); do [ -S "$WORK/quiet.sock" ] && break; sleep 0.1; done
main_port=$PORT
start_swarmscope quiet --collector.disable-defaults --collector.docker --docker.host="unix://$WORK/quiet.sock" \
  --docker.swarm-poll-interval=1h --docker.resync-interval=1h
quiet_url="http://127.0.0.1:$PORT/metrics"
PORT=$main_port
for _ in $(seq 100); do
  curl -sf "$quiet_url" >"$WORK/quiet.txt" || true
  grep -q '^docker_container_info{.*name="restarter"' "$WORK/quiet.txt" && break
  sleep 0.1
done
grep -q 'swarmscope_scrape_collector_success{collector="docker"} 1' "$WORK/quiet.txt" || fail "quiet collector not up"
sleep 2  # its first swarm read (woken by the sync) and the last events settle
before=$(wc -l <"$WORK/quiet.log")
for _ in $(seq 20); do curl -sf "$quiet_url" >"$WORK/quiet.txt" || fail "scrape failed"; done
after=$(wc -l <"$WORK/quiet.log")
[ "$after" -eq "$before" ] || fail "20 scrapes sent $((after - before)) Docker API requests: $(tail -n +$((before + 1)) "$WORK/quiet.log" | head)"
ok "20 scrapes sent no Docker API request (recorded by a proxy)"

# dockerd goes away: /metrics answers on time, docker reports failure, cgroup still works.
bash "$here/dockerd.sh" halt "$dk"
start_ms=$(date +%s%3N)
wait_for "with dockerd stopped, docker success is 0, cgroup success 1, node_meta kept" 20 \
  'v("swarmscope_scrape_collector_success", "collector=\"docker\"") == 0 and v("swarmscope_scrape_collector_success", "collector=\"cgroup\"") == 1 and v("container_cpu_usage_seconds_total", "id=\"/\"") is not None and v("node_meta", "node_name=\"test-node\"") == 1'
took=$(( $(date +%s%3N) - start_ms ))
[ "$took" -lt 15000 ] || fail "scrapes slow while dockerd is down"
bash "$here/dockerd.sh" resume "$dk" >/dev/null
wait_for "dockerd back: the exporter reconnects and resyncs by itself" 60 \
  'v("swarmscope_scrape_collector_success", "collector=\"docker\"") == 1 and count("docker_container_info", "name=\"restarter\"") == 1'

# Read-only: every request that crossed the proxy was a GET.
total=$(wc -l <"$WORK/requests.log")
[ "$total" -gt 10 ] || fail "the recorder saw only $total requests"
if grep -v '^GET ' "$WORK/requests.log"; then fail "swarmscope sent a request other than GET"; fi
grep -q '^GET /_ping' "$WORK/requests.log" || fail "no API version negotiation seen"
grep -q '^GET /v1.41/events' "$WORK/requests.log" || fail "no event stream seen"
if grep -q '/stats' "$WORK/requests.log"; then fail "the stats endpoint was used"; fi
ok "all $total requests to the Docker socket were GETs (recorded by a proxy), none to /stats"

echo "docker_test: $CHECKS checks passed"
