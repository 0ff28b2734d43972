#!/usr/bin/env bash
# docker exporter cost with 50 and 200 running containers, next to the stats-API approach
# (one GET /containers/{id}/stats?stream=false per container per scrape) measured in the
# same run on the same dockerd. Needs root; starts its own dockerd (tests/integration/dockerd.sh).
#   tests/bench/docker_bench.sh [BUILD_DIR] [SIZES]      e.g. build 50,200
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
sizes=${2:-50,200}
bin="$build/swarmscope"
work=$(mktemp -d /tmp/swarmscope-dbench.XXXXXX)
dk="$work/dockerd"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  bash tests/integration/dockerd.sh stop "$dk" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
docker_cli=/usr/bin/docker
eval "export $(bash tests/integration/dockerd.sh start "$dk")"
mkdir -p "$work/image/rootfs/bin"
cp /bin/busybox "$work/image/rootfs/bin/busybox"
ln -s busybox "$work/image/rootfs/bin/sleep"
printf 'FROM scratch\nCOPY rootfs/ /\nCMD ["/bin/sleep", "3600"]\n' >"$work/image/Dockerfile"
DOCKER_BUILDKIT=0 $docker_cli build -q -t bench/busybox:1 "$work/image" >/dev/null

python3 tests/integration/socket_recorder.py "$work/proxy.sock" "$dk/docker.sock" "$work/requests.log" &
pids+=("$!")
for _ in $(seq 50); do [ -S "$work/proxy.sock" ] && break; sleep 0.1; done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Background reads (resync, swarm poll) an hour apart: every request recorded while scraping
# is then the scrapes' own.
"$bin" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --collector.docker \
  --docker.host="unix://$work/proxy.sock" --docker.resync-interval=1h --docker.swarm-poll-interval=1h \
  --log.level=warn >"$work/swarmscope.log" 2>&1 &
pids+=("$!")

running=0
requests_total=0
echo "docker exporter vs the stats API (median of 20 scrapes; stats: one call per container, 16 in parallel)"
for n in ${sizes//,/ }; do
  seq $((running + 1)) "$n" | xargs -P 8 -I{} $docker_cli run -d --name "c{}" bench/busybox:1 >/dev/null
  running=$n
  # Wait until swarmscope sees them all, then let the event burst settle.
  for _ in $(seq 300); do
    got=$(curl -sf "http://127.0.0.1:$port/metrics" | grep -c '^docker_container_info{' || true)
    [ "$got" -ge "$n" ] && break
    sleep 0.2
  done
  sleep 2
  before=$(wc -l <"$work/requests.log")
  durations=()
  for _ in $(seq 20); do
    d=$(curl -sf "http://127.0.0.1:$port/metrics" |
      awk -F' ' '/^swarmscope_scrape_collector_duration_seconds\{collector="docker"\}/ {print $2}')
    durations+=("$d")
  done
  after=$(wc -l <"$work/requests.log")
  requests_total=$((requests_total + after - before))
  sed -n "$((before + 1)),${after}p" "$work/requests.log" >>"$work/scrape-requests.log"
  ours_ms=$(printf '%s\n' "${durations[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]*1000}')
  per_scrape=$(awk -v a="$after" -v b="$before" 'BEGIN {printf "%.2f", (a-b)/20}')
  # The stats-API approach: what a per-scrape stats collector must do, with 16 calls in
  # flight at once (sequentially it is ~2 s per container here).
  start=$(date +%s%N)
  $docker_cli ps -q --no-trunc | sed -n "1,${n}p" | xargs -P 16 -I{} \
    curl -sf --unix-socket "$dk/docker.sock" -o /dev/null "http://localhost/v1.41/containers/{}/stats?stream=false"
  stats_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  awk -v n="$n" -v o="$ours_ms" -v r="$per_scrape" -v s="$stats_ms" 'BEGIN {
    printf "containers=%-4d swarmscope: %.2f API requests/scrape, %.3f ms/scrape | stats API: %d requests/scrape, %d ms/scrape | ratio %.0fx\n",
      n, r, o, n, s, s / o }'
done
if [ "$requests_total" -eq 0 ]; then
  echo "bar 0 Docker API requests per scrape: met"
else
  echo "bar 0 Docker API requests per scrape: NOT met"
  echo "requests sent while scraping (the first 20 of $requests_total):"
  head -20 "$work/scrape-requests.log"
fi
echo "command: tests/bench/docker_bench.sh $build $sizes"
