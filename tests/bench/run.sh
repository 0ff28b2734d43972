#!/usr/bin/env bash
# Runs the benchmarks and prints their numbers and ratios (nothing is asserted).
#   tests/bench/run.sh [BUILD_DIR]        full run, the numbers in RESULTS.md
#   BENCH_QUICK=1 tests/bench/run.sh ...  short run (CI keeps the programs working)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/ci}
quick=${BENCH_QUICK:-0}
bin="$build/swarmscope"
work=$(mktemp -d /tmp/swarmscope-bench.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

if [ "$quick" = 1 ]; then min_time=0.05; wrk_seconds=2; else min_time=2; wrk_seconds=10; fi

echo "## exposition writer vs prometheus-cpp TextSerializer"
echo "command: $build/tests/bench/writer_bench --benchmark_min_time=$min_time"
"$build/tests/bench/writer_bench" --benchmark_min_time="$min_time" --benchmark_color=false 2>&1 |
  grep -Ev '^\*\*\*|^$'

start_daemon() {  # start_daemon LOG [flags...] -> sets port and pid
  local log=$1; shift
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$bin" --web.listen-address="127.0.0.1:$port" "$@" >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && return 0
    sleep 0.05
  done
  echo "daemon did not start: $(cat "$log")" >&2
  exit 1
}

# Every collector enabled, each pointed at an empty root: nothing to collect.
empty="$work/empty"
mkdir -p "$empty/proc" "$empty/sys"
idle_flags=(--path.rootfs="$empty" --path.procfs="$empty/proc" --path.sysfs="$empty/sys")

echo
echo "## cgroup exporter: 100, 1000, 5000 containers (tmpfs fixture trees and real cgroups)"
cg_iterations=7
[ "$quick" = 1 ] && cg_iterations=1
cg_sizes=100,1000,5000
[ "$quick" = 1 ] && cg_sizes=100,1000
echo "command: $build/tests/bench/cgroup_bench --iterations=$cg_iterations --containers=$cg_sizes --daemon=$bin --real"
"$build/tests/bench/cgroup_bench" --iterations="$cg_iterations" --containers="$cg_sizes" --daemon="$bin" --real

echo
echo "## /metrics under wrk (every collector enabled, nothing to collect)"
start_daemon "$work/wrk.log" "${idle_flags[@]}" --log.level=error
for path in /healthz /metrics; do
  for c in 1 16 64; do
    threads=$(( c < 2 ? 1 : 2 ))
    out=$(wrk -t"$threads" -c"$c" -d"${wrk_seconds}s" --latency "http://127.0.0.1:$port$path" 2>&1)
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr '\n' ' ' || true)
    printf '%-9s connections=%-3s requests/s=%-10s p99=%-9s %s\n' "$path" "$c" "$rps" "$p99" "$errors"
  done
done
echo "command: wrk -t2 -cN -d${wrk_seconds}s --latency http://127.0.0.1:PORT/metrics"
kill "$pid"; wait "$pid" 2>/dev/null || true

echo
echo "## idle RSS (every collector enabled, nothing to collect, after 50 scrapes)"
start_daemon "$work/rss.log" "${idle_flags[@]}"
for _ in $(seq 50); do curl -sf --compressed -o /dev/null "http://127.0.0.1:$port/metrics"; done
rss_kib=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
hwm_kib=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
anon_kib=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status")
file_kib=$(awk '/^RssFile/ {print $2}' "/proc/$pid/status")
awk -v r="$rss_kib" -v h="$hwm_kib" -v a="$anon_kib" -v f="$file_kib" \
  'BEGIN { printf "idle RSS: %.1f MiB (peak %.1f MiB; private/anonymous %.1f MiB, file-backed library pages %.1f MiB); bar <= 10 MiB: %s\n", r/1024, h/1024, a/1024, f/1024, (r <= 10240 ? "met" : "NOT met") }'
echo "largest file-backed mappings (KiB):"
awk '/^[0-9a-f]+-[0-9a-f]+ / {name=$6} /^Rss:/ && name ~ /\.so|swarmscope/ {rss[name]+=$2} END {for (n in rss) printf "  %6d %s\n", rss[n], n}' \
  "/proc/$pid/smaps" | sort -rn | head -8
