#!/usr/bin/env bash
# Runs the benchmarks and prints their numbers, ratios and bars. Nothing is asserted: a bar
# prints as `bar <what>: met` or `bar <what>: NOT met`, and tests/run.sh repeats the ones
# not met in its summary. A benchmark that fails to run says `benchmark <part> failed to run`,
# the others still run, and the exit code is then 1.
#   tests/bench/run.sh [BUILD_DIR]        full run, the numbers in RESULTS.md
#   BENCH_QUICK=1 tests/bench/run.sh ...  short run (CI keeps the programs working)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/ci}
quick=${BENCH_QUICK:-0}
bin="$build/swarmscope"
work=$(mktemp -d /tmp/swarmscope-bench.XXXXXX)
pids=()
stop_daemons() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap 'stop_daemons; rm -rf "$work"' EXIT

if [ "$quick" = 1 ]; then min_time=0.05; wrk_seconds=2; else min_time=2; wrk_seconds=10; fi
idle_private_bar_mib=4

# bar WHAT MET: the one form of a bar line.
bar() { if [ "$2" = 1 ]; then echo "bar $1: met"; else echo "bar $1: NOT met"; fi; }

start_daemon() {  # start_daemon LOG [flags...] -> sets port and pid
  local log=$1; shift
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$bin" --web.listen-address="127.0.0.1:$port" "$@" >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; then return 0; fi
    sleep 0.05
  done
  echo "daemon did not start: $(cat "$log")" >&2
  return 1
}

# Every collector enabled, each pointed at an empty root: nothing to collect.
empty="$work/empty"
mkdir -p "$empty/proc" "$empty/sys"
idle_flags=(--path.rootfs="$empty" --path.procfs="$empty/proc" --path.sysfs="$empty/sys")

bench_writer() {
  echo "## exposition writer vs prometheus-cpp TextSerializer"
  echo "command: $build/tests/bench/writer_bench --benchmark_min_time=$min_time"
  "$build/tests/bench/writer_bench" --benchmark_min_time="$min_time" --benchmark_color=false \
    >"$work/writer.txt" 2>&1
  grep -Ev '^\*\*\*|^$' "$work/writer.txt"
}

bench_cgroup() {
  echo "## cgroup exporter: 100, 1000, 5000 containers (tmpfs fixture trees and real cgroups)"
  local iterations=7 sizes=100,1000,5000
  # Quick mode: three samples, so that one noisy scrape on a busy CI machine is not a miss.
  if [ "$quick" = 1 ]; then iterations=3; sizes=100,1000; fi
  echo "command: $build/tests/bench/cgroup_bench --iterations=$iterations --containers=$sizes --daemon=$bin --real"
  "$build/tests/bench/cgroup_bench" --iterations="$iterations" --containers="$sizes" --daemon="$bin" --real
}

bench_wrk() {
  echo "## /metrics under wrk (every collector enabled, nothing to collect)"
  command -v wrk >/dev/null || { echo "wrk is missing" >&2; return 1; }
  start_daemon "$work/wrk.log" "${idle_flags[@]}" --log.level=error
  local path c threads out rps p99 errors
  for path in /healthz /metrics; do
    for c in 1 16 64; do
      threads=$(( c < 2 ? 1 : 2 ))
      out=$(wrk -t"$threads" -c"$c" -d"${wrk_seconds}s" --latency "http://127.0.0.1:$port$path" 2>&1)
      rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
      p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
      errors=$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr '\n' ' ' || true)
      [ -n "$rps" ] || { echo "wrk gave no result: $out" >&2; return 1; }
      printf '%-9s connections=%-3s requests/s=%-10s p99=%-9s %s\n' "$path" "$c" "$rps" "$p99" "$errors"
    done
  done
  echo "command: wrk -t2 -cN -d${wrk_seconds}s --latency http://127.0.0.1:PORT/metrics"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

# RSS counts the pages of shared libraries (libcurl, libstdc++, ...) that every process
# mapping them shares; the daemon's own cost is its private, anonymous memory (RssAnon).
bench_idle_memory() {
  echo "## idle memory (every collector enabled, nothing to collect, after 50 scrapes)"
  start_daemon "$work/rss.log" "${idle_flags[@]}"
  for _ in $(seq 50); do curl -sf --compressed -o /dev/null "http://127.0.0.1:$port/metrics"; done
  local status=/proc/$pid/status rss hwm anon file shmem
  rss=$(awk '/^VmRSS:/ {print $2}' "$status")
  hwm=$(awk '/^VmHWM:/ {print $2}' "$status")
  anon=$(awk '/^RssAnon:/ {print $2}' "$status")
  file=$(awk '/^RssFile:/ {print $2}' "$status")
  shmem=$(awk '/^RssShmem:/ {print $2}' "$status")
  [ -n "$rss" ] && [ -n "$anon" ] && [ -n "$file" ] || { echo "cannot read $status" >&2; return 1; }
  awk -v a="$anon" -v r="$rss" -v h="$hwm" -v f="$file" -v s="${shmem:-0}" 'BEGIN {
    printf "idle private memory (RssAnon): %.1f MiB\n", a / 1024
    printf "idle RSS: %.1f MiB (peak %.1f MiB) = private/anonymous %.1f MiB + file-backed pages (libraries, the binary) %.1f MiB + shared memory %.1f MiB\n",
      r / 1024, h / 1024, a / 1024, f / 1024, s / 1024 }'
  bar "idle private memory <= $idle_private_bar_mib MiB" "$((anon <= idle_private_bar_mib * 1024 ? 1 : 0))"
  echo "largest file-backed mappings (KiB):"
  awk '/^[0-9a-f]+-[0-9a-f]+ / {name=$6} /^Rss:/ && name ~ /\.so|swarmscope/ {rss[name]+=$2} END {for (n in rss) printf "  %6d %s\n", rss[n], n}' \
    "/proc/$pid/smaps" | sort -rn | sed -n '1,8p'
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

# The ceph exporter: its refresh at scale on synthetic outputs, then next to the ceph-mgr
# prometheus module on a live cluster (tests/ceph/cluster.sh). Skipped, with a line that says
# so, where the exporter is not built (no librados headers) or Ceph is not installed.
ceph_built() {
  local help
  help=$("$bin" --help 2>&1) || true
  [ -x "$build/tests/bench/ceph_scale_bench" ] && grep -q -- '--\[no-\]collector.ceph' <<<"$help"
}

bench_ceph_scale() {
  echo "## ceph exporter at scale: 1000 OSDs, 100 pools, 100k PGs (synthetic outputs, RefreshOnce)"
  if ! ceph_built; then
    echo "benchmark ceph_scale skipped: the ceph exporter is not in this build (librados headers missing: librados-dev)"
    return 0
  fi
  local iterations=7
  if [ "$quick" = 1 ]; then iterations=3; fi
  echo "command: $build/tests/bench/ceph_scale_bench --iterations=$iterations"
  "$build/tests/bench/ceph_scale_bench" --iterations="$iterations"
}

bench_ceph_live() {
  echo "## ceph exporter vs the ceph-mgr prometheus module (live single-node cluster)"
  if ! ceph_built; then
    echo "benchmark ceph_live skipped: the ceph exporter is not in this build (librados headers missing: librados-dev)"
    return 0
  fi
  local p
  for p in ceph ceph-mon ceph-mgr ceph-osd ceph-mds ceph-authtool monmaptool; do
    if ! command -v "$p" >/dev/null; then
      echo "benchmark ceph_live skipped: Ceph is not installed ($p missing; provisioning/install-deps.sh installs it)"
      return 0
    fi
  done
  if [ ! -d /usr/share/ceph/mgr/prometheus ] || ! /usr/bin/python3 -c 'import rados' 2>/dev/null; then
    echo "benchmark ceph_live skipped: Ceph is not installed (the mgr prometheus module or python3-rados missing)"
    return 0
  fi
  BENCH_QUICK="$quick" bash tests/bench/ceph_bench.sh "$build"
}

# The keepalived exporter on real VRRP (tests/keepalived/lab.sh): wire listener CPU per 1000
# adverts/s, the scrape with 20 instances, idle memory. Needs root (network namespaces).
bench_keepalived() {
  echo "## keepalived exporter (real keepalived in network namespaces)"
  if ! grep -q -- '--\[no-\]collector.keepalived' <<<"$("$bin" --help 2>&1)"; then
    echo "benchmark keepalived skipped: the keepalived exporter is not in this build"
    return 0
  fi
  if ! command -v keepalived >/dev/null || [ "$(id -u)" != 0 ]; then
    echo "benchmark keepalived skipped: needs keepalived (provisioning/install-deps.sh test) and root"
    return 0
  fi
  BENCH_QUICK="$quick" bash tests/bench/keepalived_bench.sh "$build"
}

# Each part in a process of its own (set -e holds there; it would not in a function called
# from a condition): one that fails is reported and the next ones still run.
failed=0
run_part() {  # run_part NAME FUNCTION
  local rc=0
  (trap stop_daemons EXIT; "$2") &
  wait "$!" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "benchmark $1 failed to run (exit $rc)"
    failed=$((failed + 1))
  fi
  echo
}
run_part writer bench_writer
run_part cgroup bench_cgroup
run_part wrk bench_wrk
run_part idle_memory bench_idle_memory
run_part ceph_scale bench_ceph_scale
run_part ceph_live bench_ceph_live
run_part keepalived bench_keepalived
[ "$failed" -eq 0 ]
