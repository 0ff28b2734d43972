#!/usr/bin/env bash
# The keepalived exporter's costs, on real VRRP (tests/keepalived/lab.sh, two nodes):
#   1. the wire listener's CPU per 1000 adverts/s: node 1's keepalived runs 20 VRRPv3
#      instances with advert_int 0.02 s (20 x 50 = 1000 adverts/s); swarmscope on node 2
#      (keepalived stopped there) sees them all; its CPU over a window, less its CPU over the
#      same window with no adverts (bar: well under 1% of a core: < 0.5%);
#   2. the scrape with those 20 instances (the wire, and node 1's own dumps of 20 instances):
#      /metrics vs /healthz of the same daemon on a kept-alive connection (wrk -t1 -c1);
#   3. idle memory with the collector on vs the core alone (no collector), both after 50
#      scrapes (bar: RSS and private memory + <= 1 MiB).
# Nothing is asserted: bars print `met` or `NOT met`.
#
#   BENCH_QUICK=1 tests/bench/keepalived_bench.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/ci}
bin=$(realpath "$build/swarmscope")
quick=${BENCH_QUICK:-0}
window=20 wrk_s=10
if [ "$quick" = 1 ]; then window=6 wrk_s=2; fi
lab=tests/keepalived/lab.sh
work=$(mktemp -d /tmp/swarmscope-kabench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  bash "$lab" down "$work/lab" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
bar() { if [ "$2" = 1 ]; then echo "bar $1: met"; else echo "bar $1: NOT met"; fi; }
for tool in keepalived wrk curl ip; do
  command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }
done

bash "$lab" up "$work/lab" 2 --no-track >/dev/null 2>&1
ns1=$(bash "$lab" ns "$work/lab" 1)
ns2=$(bash "$lab" ns "$work/lab" 2)
bash "$lab" stop "$work/lab" 2 >/dev/null 2>&1
bash "$lab" stop "$work/lab" 1 >/dev/null 2>&1
ip netns exec "$ns1" ip link set lo up
ip netns exec "$ns2" ip link set lo up

# Node 1: 20 instances, VRRPv3, 50 adverts/s each, VIPs 198.51.100.201-220.
conf="$work/lab/node1/keepalived.conf"
{
  echo "global_defs { vrrp_version 3 }"
  for i in $(seq 1 20); do
    cat <<EOF
vrrp_instance VI_$i {
  state BACKUP
  interface eth0
  virtual_router_id $((100 + i))
  priority 150
  advert_int 0.02
  virtual_ipaddress { 198.51.100.$((200 + i))/24 }
}
EOF
  done
} >"$conf"

# start_ss NS LOG [flags] -> pid, port (127.0.0.1 in the namespace)
start_ss() {
  local ns=$1 log=$2; shift 2
  port=$((20000 + RANDOM % 20000))
  ip netns exec "$ns" "$bin" --web.listen-address="127.0.0.1:$port" --log.level=error "$@" \
    >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do
    ip netns exec "$ns" curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && return 0
    sleep 0.05
  done
  echo "swarmscope did not start: $(cat "$log")" >&2
  return 1
}
cpu_ns() {  # PID -> CPU time of all its threads, ns (schedstat: exact, unlike 100 Hz ticks)
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{n += $1} END {printf "%.0f", n}'
}

echo "## keepalived exporter: wire listener CPU, scrape with 20 instances, idle memory"
echo "command: BENCH_QUICK=$quick tests/bench/keepalived_bench.sh $build"
start_ss "$ns2" "$work/ss2.log" --collector.disable-defaults --collector.keepalived --node.name=n2
ss2=$pid port2=$port
sleep 1
t0=$(cpu_ns "$ss2"); sleep "$window"; t1=$(cpu_ns "$ss2")
idle_pct=$(awk -v a="$t0" -v b="$t1" -v w="$window" 'BEGIN {printf "%.4f", (b - a) / 1e9 / w * 100}')

bash "$lab" start "$work/lab" 1 >/dev/null 2>&1
sleep 5  # election (3 x 0.02 s + skew), then steady
adverts() {
  ip netns exec "$ns2" curl -sf "http://127.0.0.1:$port2/metrics" |
    awk '/^keepalived_wire_adverts_total/ {n += $2} END {print n + 0}'
}
a0=$(adverts); t0=$(cpu_ns "$ss2"); s0=$(date +%s.%N)
sleep "$window"
a1=$(adverts); t1=$(cpu_ns "$ss2"); s1=$(date +%s.%N)
awk -v a0="$a0" -v a1="$a1" -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" \
  -v idle="$idle_pct" 'BEGIN {
  rate = (a1 - a0) / (s1 - s0); cpu = (t1 - t0) / 1e9 / (s1 - s0) * 100
  per1000 = rate > 0 ? (cpu - idle) * 1000 / rate : -1
  printf "wire: %.0f adverts/s seen (20 VRRPv3 instances, advert_int 0.02 s) over %.1f s\n", rate, s1 - s0
  printf "swarmscope cpu: %.3f%% of a core with them, %.3f%% idle (no adverts, same window)\n", cpu, idle
  printf "cpu per 1000 adverts/s: %.3f%% of a core (CPU time of all threads from /proc/PID/task/*/schedstat, ns)\n", per1000
  print per1000 >"/dev/stderr" }' 2>"$work/per1000"
per1000=$(cat "$work/per1000")
bar "keepalived wire listener < 0.5% of a core per 1000 adverts/s" \
  "$(awk -v p="$per1000" 'BEGIN {print (p >= 0 && p < 0.5) ? 1 : 0}')"

# The scrape: node 1's own swarmscope, master of 20 instances, with its dumps.
dumps="$work/lab/node1/tmp"
kpid=$(cat "$work/lab/node1/keepalived.pid")
for s in DATA STATS JSON; do kill "-$(keepalived --signum=$s)" "$kpid"; sleep 0.3; done
start_ss "$ns1" "$work/ss1.log" --collector.disable-defaults --collector.keepalived --node.name=n1 \
  --keepalived.dump-dir="$dumps"
port1=$port
sleep 2
series=$(ip netns exec "$ns1" curl -sf "http://127.0.0.1:$port1/metrics" | grep -c '^keepalived_' || true)
states=$(ip netns exec "$ns1" curl -sf "http://127.0.0.1:$port1/metrics" | grep -c '^keepalived_vrrp_state' || true)
wrk_p50() {  # URL -> median latency in us
  ip netns exec "$ns1" wrk -t1 -c1 -d"${wrk_s}s" --latency "$1" 2>&1 |
    awk '$1 == "50%" {v = $2; if (v ~ /us$/) {sub(/us/, "", v)} else if (v ~ /ms$/) {sub(/ms/, "", v); v *= 1000}; print v}'
}
floor=$(wrk_p50 "http://127.0.0.1:$port1/healthz")
scrape=$(wrk_p50 "http://127.0.0.1:$port1/metrics")
bytes=$(ip netns exec "$ns1" curl -sf "http://127.0.0.1:$port1/metrics" | wc -c)
echo "scrape with 20 instances ($states keepalived_vrrp_state series, $series keepalived_* series, $bytes bytes): /metrics median ${scrape} us, /healthz ${floor} us ($(awk -v a="$scrape" -v b="$floor" 'BEGIN {printf "%.2f", a / b}')x)"
echo "(wrk -t1 -c1 -d${wrk_s}s, kept-alive connection, in node 1's namespace)"

# Idle memory: the core alone vs the keepalived collector on (no VRRP where it runs).
mem() {  # PID -> "rss_kib private_kib"
  awk '/^Rss:/ {r += $2} /^Private_(Clean|Dirty):/ {p += $2} END {print r, p}' "/proc/$1/smaps"
}
scrapes() { for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$1/metrics"; done; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --log.level=error &
core=$!; pids+=("$core"); core_port=$port
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --collector.keepalived \
  --log.level=error &
ka=$!; pids+=("$ka"); ka_port=$port
sleep 1
scrapes "$core_port"; scrapes "$ka_port"; sleep 1
read -r core_rss core_priv <<<"$(mem "$core")"
read -r ka_rss ka_priv <<<"$(mem "$ka")"
awk -v cr="$core_rss" -v cp="$core_priv" -v kr="$ka_rss" -v kp="$ka_priv" 'BEGIN {
  printf "idle, after 50 scrapes: core alone RSS %.2f MiB private %.2f MiB; keepalived collector on RSS %.2f MiB private %.2f MiB; difference RSS %+.2f MiB private %+.2f MiB\n",
    cr / 1024, cp / 1024, kr / 1024, kp / 1024, (kr - cr) / 1024, (kp - cp) / 1024 }'
bar "keepalived collector idle RSS <= core + 1 MiB" "$(( ka_rss - core_rss <= 1024 ? 1 : 0 ))"
bar "keepalived collector idle private memory <= core + 1 MiB" "$(( ka_priv - core_priv <= 1024 ? 1 : 0 ))"
