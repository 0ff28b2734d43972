#!/usr/bin/env bash
# A real Prometheus (Debian's) scrapes swarmscope: the target is up and the data queryable.
#   tests/integration/prometheus_test.sh build/ci/swarmscope
source "$(dirname "$0")/lib.sh"

start_swarmscope swarmscope
prom_port=$(free_port)
cat >"$WORK/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: swarmscope
    static_configs:
      - targets: ['127.0.0.1:$PORT']
YML
promtool check config "$WORK/prometheus.yml" >/dev/null || fail "promtool check config"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$WORK/prometheus.log" 2>&1 &
PIDS+=("$!")
api="http://127.0.0.1:$prom_port/api/v1"

query() {  # query PROMQL -> first value, or empty
  curl -sf --get --data-urlencode "query=$1" "$api/query" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}

for _ in $(seq 60); do
  up=$(query 'up{job="swarmscope"}' 2>/dev/null || true)
  [ "$up" = 1 ] && break
  sleep 0.5
done
[ "$up" = 1 ] || fail "target not up: $(curl -s "$api/targets")"
ok "Prometheus scrapes swarmscope: up == 1"

[ "$(query 'swarmscope_build_info')" = 1 ] || fail "swarmscope_build_info not queryable"
[ -n "$(query 'process_resident_memory_bytes{job="swarmscope"}')" ] || fail "process metrics"
health=$(curl -sf "$api/targets" | python3 -c 'import json,sys; t=json.load(sys.stdin)["data"]["activeTargets"][0]; print(t["health"], t["lastError"] or "-")')
[ "$health" = "up -" ] || fail "target health: $health"
ok "data queryable, no scrape error"

echo "prometheus_test: $CHECKS checks passed"
