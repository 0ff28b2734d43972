#!/usr/bin/env bash
# The ceph exporter next to the ceph-mgr prometheus module, on one live single-node cluster
# that this script starts itself (tests/ceph/cluster.sh: mon.a, mgr.x, osd.0, osd.1 on
# memstore, mds.a), in one run:
#   1. collection: swarmscope's cluster refresh, read from a running daemon
#      (swarmscope_ceph_cluster_refresh_duration_seconds, --ceph.refresh-interval=1s, median
#      of N refreshes), vs the module's uncached collection (mgr/prometheus/cache=false and
#      the module restarted: every GET of its /metrics collects; curl's time_total, median
#      of N); next to them, each refresh command sent alone over librados (python rados),
#      the latency floor of a refresh.
#      And the CPU each costs per collection: /proc/PID/stat utime+stime deltas of ceph-mgr
#      (the module) and of swarmscope + ceph-mon + ceph-mgr (+ the OSDs and the MDS, which
#      answer the admin sockets), less what the idle cluster burns in the same time
#      (measured first, with nothing collecting). swarmscope refreshes every 100 ms for this
#      (many refreshes in a short window, so the idle cluster's noise stays small).
#   2. scrape: swarmscope's /metrics with only the ceph collector, its /healthz (the HTTP
#      floor), the same daemon with no collector at all (the core's own share), and the
#      module's cached /metrics (cache=true again), each over one kept-alive connection
#      (wrk -t1 -c1; median latency).
#   3. memory: private memory (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup) and
#      whether librados is mapped (/proc/PID/maps), for the daemon with every default
#      collector on empty roots (the ceph collector disabled, as in run.sh's idle part) and
#      for the same with the ceph collector enabled.
# Prints numbers, ratios and `bar <what>: met|NOT met` lines; never fails for a missed bar.
#   tests/bench/ceph_bench.sh [BUILD_DIR]         BENCH_QUICK=1: fewer repetitions
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/ci}
quick=${BENCH_QUICK:-0}
bin="$build/swarmscope"
[ -x "$bin" ] || { echo "no $bin" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is missing" >&2; exit 1; }

if [ "$quick" = 1 ]; then
  baseline_s=5 module_gets=10 cpu_window_s=4 refreshes=5 alone=20 wrk_s=2
else
  baseline_s=30 module_gets=100 cpu_window_s=20 refreshes=30 alone=300 wrk_s=10
fi
fast_interval_ms=100
echo "command: BENCH_QUICK=$quick tests/bench/ceph_bench.sh $build"

work=$(mktemp -d /tmp/ssceph.XXXXXX)  # short: the cluster's socket paths must fit 108 bytes
cluster="$work/cluster"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  bash tests/ceph/cluster.sh stop "$cluster" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bar() { if [ "$2" = 1 ]; then echo "bar $1: met"; else echo "bar $1: NOT met"; fi; }
now_s() { echo "${EPOCHREALTIME/,/.}"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

bash tests/ceph/cluster.sh start "$cluster" 2>"$work/cluster.log" ||
  { cat "$work/cluster.log" >&2; exit 1; }
# shellcheck disable=SC1091
. "$cluster/env"
ceph_cli() { ceph --conf "$CEPH_CONF" --name client.admin --keyring "$CEPH_ADMIN_KEYRING" "$@"; }
ceph_flags=(--ceph.config="$CEPH_CONF" --ceph.user="$CEPH_RO_USER" --ceph.keyring="$CEPH_RO_KEYRING"
  --ceph.admin-socket-dir="$CEPH_RUN_DIR")
metrics_url=$CEPH_MGR_METRICS
echo "cluster: ceph $(ceph_cli version | awk '{print $3}'), mon.a mgr.x osd.0 osd.1 (memstore) mds.a; $(nproc) cores"

# ---- processes and their CPU ----
declare -A proc=()  # name -> pid
find_ceph_pids() {
  local d
  for d in mon.a mgr.x osd.0 osd.1 mds.a; do
    proc[$d]=$(pgrep -f -- "ceph-${d%%.*} --conf $CEPH_CONF --id ${d#*.}" | head -1)
    [ -n "${proc[$d]}" ] || { echo "no $d process" >&2; return 1; }
  done
}
ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }
clk_tck=$(getconf CLK_TCK)
# snapshot FILE: "name ticks" of every process in proc[], and the time.
snapshot() {
  local n
  { echo "time $(now_s)"; for n in "${!proc[@]}"; do echo "$n $(ticks "${proc[$n]}")"; done; } >"$1"
}
# cpu_ms BEFORE AFTER NAME: CPU milliseconds of NAME between two snapshots, less the idle
# rate of the cluster (baseline file) over the same time when NAME has one.
cpu_ms() {
  awk -v n="$3" -v hz="$clk_tck" -v base="$work/baseline" '
    FILENAME == base { rate[$1] = $2; next }
    FILENAME == ARGV[2] { if ($1 == "time") t0 = $2; else a[$1] = $2; next }
    { if ($1 == "time") t1 = $2; else b[$1] = $2 }
    END { printf "%.3f", (b[n] - a[n]) * 1000 / hz - rate[n] * (t1 - t0) * 1000 }' \
    "$work/baseline" "$1" "$2"
}
median_of() { sort -g | awk '{a[NR] = $1} END {if (NR) printf "%.3f", a[int((NR + 1) / 2)]}'; }

start_swarmscope() {  # LOG [flags...] -> sets port, pid
  local log=$1
  shift
  port=$(free_port)
  "$bin" --web.listen-address="127.0.0.1:$port" --log.level=warn "$@" >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 200); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && return 0
    sleep 0.05
  done
  echo "swarmscope did not start: $(cat "$log")" >&2
  return 1
}
stop_swarmscope() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
wait_refreshed() {  # PORT: until the first refresh of the cluster series is done and good
  for _ in $(seq 300); do
    if curl -sf "http://127.0.0.1:$1/metrics" | grep -q '^swarmscope_ceph_cluster_refresh_success 1'; then
      return 0
    fi
    sleep 0.1
  done
  echo "swarmscope never completed a good refresh" >&2
  return 1
}
ceph_daemon() {  # [extra flags] -> a daemon with only the ceph collector
  start_swarmscope "$work/swarmscope.$RANDOM.log" --collector.disable-defaults --collector.ceph \
    --cluster.metrics=always "${ceph_flags[@]}" "$@"
  wait_refreshed "$port"
}

# The module's cache on or off: set, then restart the module (its serve() reads it once).
module_cache() {
  ceph_cli config set mgr mgr/prometheus/cache "$1" >/dev/null
  ceph_cli mgr module disable prometheus >/dev/null
  ceph_cli mgr module enable prometheus >/dev/null
  for _ in $(seq 300); do
    if curl -sf -o /dev/null "$metrics_url"; then
      sleep 3  # let the restart settle (and, cached, the first collection be there)
      curl -sf -o /dev/null "$metrics_url" && { find_ceph_pids; return 0; }
    fi
    sleep 0.1
  done
  echo "the mgr prometheus module did not come back (cache=$1)" >&2
  return 1
}

# ---- 1. collection ----
module_cache false
echo "## collection: swarmscope's cluster refresh vs the mgr module uncached (cache=false)"
# The idle cluster, nothing collecting: its CPU rate per process, subtracted below.
snapshot "$work/b0"
sleep "$baseline_s"
snapshot "$work/b1"
awk -v hz="$clk_tck" 'FILENAME == ARGV[1] { if ($1 == "time") t0 = $2; else a[$1] = $2; next }
  { if ($1 == "time") t1 = $2; else printf "%s %.6f\n", $1, ($2 - a[$1]) / hz / (t1 - t0) }' \
  "$work/b0" "$work/b1" >"$work/baseline"
printf 'idle cluster CPU (%ss, nothing collecting):' "$baseline_s"
awk '{printf " %s %.1f%%", $1, $2 * 100}' "$work/baseline"
echo

# The module, uncached: every GET is a collection.
curl -sf -o "$work/module.prom" "$metrics_url"
snapshot "$work/m0"
for _ in $(seq "$module_gets"); do
  curl -sf -o /dev/null -w '%{time_total}\n' "$metrics_url"
done >"$work/module_times"
snapshot "$work/m1"
module_ms=$(awk '{print $1 * 1000}' "$work/module_times" | median_of)
module_series=$(grep -vc '^#' "$work/module.prom" || true)
printf 'mgr module uncached: median %.2f ms of %d GETs (curl time_total: connect + collect + transfer), %d bytes, %d series\n' \
  "$module_ms" "$module_gets" "$(wc -c <"$work/module.prom")" "$module_series"

# Each refresh command alone, one after another over one connection: the cluster's latency
# for it, and the CPU the mon and the mgr spend on it (all their threads' run time,
# /proc/PID/task/*/schedstat, over the loop).
/usr/bin/python3 - "$CEPH_CONF" "$CEPH_RO_USER" "$CEPH_RO_KEYRING" "$alone" "${proc[mon.a]}" "${proc[mgr.x]}" \
  <<'PY' >"$work/alone"
import glob, json, statistics, sys, time
import rados
conf, user, keyring, n, mon, mgr = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
def cpu_ns(pid):
    total = 0
    for f in glob.glob("/proc/%s/task/*/schedstat" % pid):
        try:
            with open(f) as fh:
                total += int(fh.read().split()[0])
        except OSError:
            pass
    return total
c = rados.Rados(conffile=conf, name="client." + user, conf={"keyring": keyring})
c.connect()
cmds = [("status", "mon", {"prefix": "status"}), ("df", "mon", {"prefix": "df", "detail": "detail"}),
        ("osd_perf", "mgr", {"prefix": "osd perf"}), ("osd_pool_stats", "mgr", {"prefix": "osd pool stats"}),
        ("pg_dump", "mgr", {"prefix": "pg dump", "dumpcontents": ["pgs_brief", "pools"]}),
        ("mon_version", "mon", {"prefix": "version"})]
for name, target, cmd in cmds:
    cmd["format"] = "json"
    s = json.dumps(cmd)
    send = c.mgr_command if target == "mgr" else c.mon_command
    send(s, b"", timeout=10)
    ts = []
    m0, g0 = cpu_ns(mon), cpu_ns(mgr)
    for _ in range(n):
        t = time.perf_counter()
        rc, out, err = send(s, b"", timeout=10)
        ts.append(time.perf_counter() - t)
        if rc != 0:
            sys.exit("%s: %s" % (name, err))
    m1, g1 = cpu_ns(mon), cpu_ns(mgr)
    print(name, target, "%.3f" % (statistics.median(ts) * 1000), "%.3f" % ((m1 - m0) / n / 1e6),
          "%.3f" % ((g1 - g0) / n / 1e6), len(out))
c.shutdown()
PY
printf 'each command alone (python rados, one connection, %d times; ms): latency median, [ceph-mon cpu + ceph-mgr cpu] per command\n' "$alone"
awk '{printf "  %-16s %-4s latency %.3f  cpu mon %.3f + mgr %.3f  (%d bytes)\n", $1, $2, $3, $4, $5, $6}' "$work/alone"
awk '$1 != "mon_version" {l += $3; m += $4; g += $5}
  END {printf "  the five of a refresh, one after another: latency %.3f ms, cpu mon %.3f + mgr %.3f ms\n", l, m, g}' "$work/alone"
floor_ms=$(awk '$1 == "mon_version" {print $3}' "$work/alone")
sequential_ms=$(awk '$1 != "mon_version" {l += $3} END {print l}' "$work/alone")

# swarmscope at --ceph.refresh-interval=1s: the refresh duration of N refreshes, read from
# its /metrics about every second (a value seen twice is the same refresh, counted once).
ceph_daemon --ceph.refresh-interval=1s
poll_port=$port
poll_pid=$pid
sleep 2
python3 - "$poll_port" "$refreshes" <<'PY' >"$work/refreshes"
import http.client, re, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port)
seen, deadline = set(), time.monotonic() + n * 3 + 10
line = re.compile(r'^swarmscope_ceph_(cluster_refresh_duration_seconds|command_duration_seconds\{command="([a-z_]+)"\}) (\S+)$', re.M)
while len(seen) < n and time.monotonic() < deadline:
    c.request("GET", "/metrics")
    body = c.getresponse().read().decode()
    total, cmds = None, []
    for m in line.finditer(body):
        if m.group(2) is None:
            total = m.group(3)
        else:
            cmds.append("%s=%s" % (m.group(2), m.group(3)))
    if total is not None and total not in seen:
        seen.add(total)
        print(total, " ".join(cmds))
    time.sleep(1)
PY
ours_ms=$(awk '{print $1 * 1000}' "$work/refreshes" | median_of)
printf 'swarmscope refresh: median %.2f ms of %d refreshes (swarmscope_ceph_cluster_refresh_duration_seconds; min %.2f, max %.2f)\n' \
  "$ours_ms" "$(wc -l <"$work/refreshes")" \
  "$(awk '{print $1 * 1000}' "$work/refreshes" | sort -g | head -1)" \
  "$(awk '{print $1 * 1000}' "$work/refreshes" | sort -g | tail -1)"
printf 'swarmscope per command in those refreshes (median ms, sent concurrently; [n] = in n refreshes):'
tr ' ' '\n' <"$work/refreshes" | grep '=' | awk -F= '{print $1, $2 * 1000}' |
  sort -k1,1 -k2,2g | awk '{v[$1] = v[$1] " " $2; c[$1]++} END {for (k in v) print k, c[k], v[k]}' |
  while read -r name count values; do
    printf ' %s=%.2f[%d]' "$name" "$(tr ' ' '\n' <<<"$values" | median_of)" "$count"
  done
echo
stop_swarmscope "$poll_pid"

# CPU per collection: swarmscope refreshing every 100 ms for a while, nothing scraping it;
# with the cluster part alone, with the admin-socket counters too (as deployed), and once
# more with the cluster part alone while the daemons send no cluster log to the mon
# (clog_to_monitors=false, for that measurement only): every command a mon or the mgr
# serves is written to the audit channel of the cluster log, a paxos commit in the mon.
declare -A ours_cpu=()
for mode in cluster all noaudit; do
  extra=()
  [ "$mode" = all ] || extra=(--no-ceph.daemon-counters)
  [ "$mode" = noaudit ] && ceph_cli config set global clog_to_monitors false >/dev/null
  ceph_daemon --ceph.refresh-interval="${fast_interval_ms}ms" "${extra[@]}"
  proc[swarmscope]=$pid
  sleep 1
  snapshot "$work/s0"
  sleep "$cpu_window_s"
  snapshot "$work/s1"
  stop_swarmscope "$pid"
  [ "$mode" = noaudit ] && ceph_cli config rm global clog_to_monitors >/dev/null
  n=$(awk -v a="$(head -1 "$work/s0" | cut -d' ' -f2)" -v b="$(head -1 "$work/s1" | cut -d' ' -f2)" \
    -v i="$fast_interval_ms" 'BEGIN {printf "%d", (b - a) * 1000 / i}')
  s=$(cpu_ms "$work/s0" "$work/s1" swarmscope)
  mon=$(cpu_ms "$work/s0" "$work/s1" mon.a)
  mgr=$(cpu_ms "$work/s0" "$work/s1" mgr.x)
  rest=$(awk -v a="$(cpu_ms "$work/s0" "$work/s1" osd.0)" -v b="$(cpu_ms "$work/s0" "$work/s1" osd.1)" \
    -v c="$(cpu_ms "$work/s0" "$work/s1" mds.a)" 'BEGIN {printf "%.3f", a + b + c}')
  unset 'proc[swarmscope]'
  ours_cpu[$mode]=$(awk -v s="$s" -v m="$mon" -v g="$mgr" -v n="$n" 'BEGIN {printf "%.3f", (s + m + g) / n}')
  awk -v mode="$mode" -v s="$s" -v m="$mon" -v g="$mgr" -v r="$rest" -v n="$n" -v w="$cpu_window_s" \
    -v i="$fast_interval_ms" 'BEGIN {
    what = mode == "cluster" ? "cluster refresh only (--no-ceph.daemon-counters)" : mode == "all" ? "cluster refresh + admin-socket counters" : "cluster refresh only, no audit log (clog_to_monitors=false)"
    printf "swarmscope cpu per collection, %s, %d refreshes in %ds at %d ms: swarmscope %.3f + ceph-mon %.3f + ceph-mgr %.3f = %.3f ms; osds+mds %.3f ms\n",
      what, n, w, i, s / n, m / n, g / n, (s + m + g) / n, r / n }'
done
module_cpu=$(awk -v g="$(cpu_ms "$work/m0" "$work/m1" mgr.x)" -v n="$module_gets" 'BEGIN {printf "%.3f", g / n}')
awk -v g="$(cpu_ms "$work/m0" "$work/m1" mgr.x)" -v m="$(cpu_ms "$work/m0" "$work/m1" mon.a)" -v n="$module_gets" 'BEGIN {
  printf "mgr module cpu per uncached collection, %d GETs: ceph-mgr %.3f ms (ceph-mon %.3f ms)\n", n, g / n, m / n }'
echo "(cpu: /proc/PID/stat utime+stime, $clk_tck ticks/s, less the idle cluster's rate over the same time)"
awk -v m="$module_ms" -v o="$ours_ms" -v f="$floor_ms" -v s="$sequential_ms" 'BEGIN {
  printf "ratio: collection time, module uncached / swarmscope refresh = %.1fx (bar >= 10x)\n", m / o
  printf "ratio: swarmscope refresh / one mon round trip alone (mon version, %.2f ms) = %.1fx; module uncached / that round trip = %.1fx\n", f, o / f, m / f
  printf "ratio: module uncached / the five commands one after another (%.2f ms) = %.1fx\n", s, m / s }'
awk -v m="$module_cpu" -v a="${ours_cpu[cluster]}" -v b="${ours_cpu[all]}" -v c="${ours_cpu[noaudit]}" 'BEGIN {
  printf "ratio: cpu per collection, module (ceph-mgr) / swarmscope (swarmscope + ceph-mon + ceph-mgr) = %.1fx cluster only, %.1fx with the admin-socket counters, %.1fx cluster only without the audit log\n", m / a, m / b, m / c }'
bar "ceph collection >= 10x faster than the mgr module uncached" \
  "$(awk -v m="$module_ms" -v o="$ours_ms" 'BEGIN {print (m >= 10 * o) ? 1 : 0}')"
echo

# ---- 2. scrape ----
echo "## scrape: one kept-alive connection each (wrk -t1 -c1, median latency)"
module_cache true
# Its first collection after a restart runs before the daemons' counters are back in the mgr:
# wait for a cached text as complete as the uncached one (the next collection, <= 15 s).
want=$(( $(wc -c <"$work/module.prom") * 9 / 10 ))
for _ in $(seq 40); do
  [ "$(curl -sf "$metrics_url" | wc -c)" -ge "$want" ] && break
  sleep 1
done
ceph_daemon --ceph.refresh-interval=1s
ours_port=$port
ours_pid=$pid
start_swarmscope "$work/core.log" --collector.disable-defaults
core_port=$port
core_pid=$pid
# wrk_round URL [wrk flags]: one wrk run of 2 s over one connection -> "p50_us p90_us requests".
wrk_round() {
  local url=$1 out
  shift
  out=$(wrk -t1 -c1 -d2s --latency "$@" "$url" 2>&1)
  if grep -q 'Non-2xx' <<<"$out"; then
    echo "wrk: non-2xx answers from $url" >&2
    return 1
  fi
  awk '
    function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; if (v ~ /s$/) return v * 1e6; return v }
    $1 == "50%" { p50 = us($2) } $1 == "90%" { p90 = us($2) } / requests in / { n = $1 }
    END { printf "%.0f %.0f %d\n", p50, p90, n }' <<<"$out"
}
# The four side by side, in rounds (the load of this shared machine drifts; each round
# measures all four within seconds): per target the median of its rounds' medians and p90s.
targets=(healthz core ours module gzip)
declare -A url=([healthz]="http://127.0.0.1:$ours_port/healthz" [core]="http://127.0.0.1:$core_port/metrics"
  [ours]="http://127.0.0.1:$ours_port/metrics" [module]="$metrics_url" [gzip]="http://127.0.0.1:$ours_port/metrics")
rounds=$((wrk_s / 2))
for _ in $(seq "$rounds"); do
  for t in "${targets[@]}"; do
    if [ "$t" = gzip ]; then
      wrk_round "${url[$t]}" -H 'Accept-Encoding: gzip' >>"$work/wrk.$t"
    else
      wrk_round "${url[$t]}" >>"$work/wrk.$t"
    fi
  done
done
declare -A p50=() p90=() requests=() bytes=()
for t in "${targets[@]}"; do
  p50[$t]=$(awk '{print $1}' "$work/wrk.$t" | median_of)
  p90[$t]=$(awk '{print $2}' "$work/wrk.$t" | median_of)
  requests[$t]=$(awk '{n += $3} END {print n}' "$work/wrk.$t")
  if [ "$t" = gzip ]; then
    bytes[$t]=$(curl -sf -H 'Accept-Encoding: gzip' "${url[$t]}" | wc -c)
  else
    bytes[$t]=$(curl -sf "${url[$t]}" | wc -c)
  fi
done
floor_us=${p50[healthz]} ours_us=${p50[ours]} core_us=${p50[core]} mod_us=${p50[module]}
echo "($rounds rounds of 2 s per target, interleaved; median of the rounds)"
printf '%-46s median %6.0f us  p90 %6.0f us  %7d requests  %6d bytes\n' \
  "swarmscope /healthz (the HTTP floor)" "${p50[healthz]}" "${p90[healthz]}" "${requests[healthz]}" "${bytes[healthz]}" \
  "swarmscope /metrics, no collector (the core)" "${p50[core]}" "${p90[core]}" "${requests[core]}" "${bytes[core]}" \
  "swarmscope /metrics, the ceph collector" "${p50[ours]}" "${p90[ours]}" "${requests[ours]}" "${bytes[ours]}" \
  "mgr module /metrics, cached" "${p50[module]}" "${p90[module]}" "${requests[module]}" "${bytes[module]}" \
  "swarmscope /metrics, the ceph collector, gzip" "${p50[gzip]}" "${p90[gzip]}" "${requests[gzip]}" "${bytes[gzip]}"
curl -sf "http://127.0.0.1:$ours_port/metrics" | awk '
  /^swarmscope_collector_duration_seconds_sum\{collector="ceph"\}/ { s = $2 }
  /^swarmscope_collector_duration_seconds_count\{collector="ceph"\}/ { n = $2 }
  END { printf "the ceph collector inside those scrapes: mean %.1f us over %d (swarmscope_collector_duration_seconds)\n", s / n * 1e6, n }'
awk -v f="$floor_us" -v c="$core_us" -v o="$ours_us" -v m="$mod_us" 'BEGIN {
  printf "ratio: swarmscope /metrics / /healthz = %.2fx (bar <= 2x); the core alone (no collector) / /healthz = %.2fx\n", o / f, c / f
  printf "ratio: mgr module cached / swarmscope /metrics = %.2fx; mgr module cached / /healthz = %.2fx\n", m / o, m / f }'
bar "ceph scrape within 2x the HTTP floor" "$(awk -v f="$floor_us" -v o="$ours_us" 'BEGIN {print (o <= 2 * f) ? 1 : 0}')"
stop_swarmscope "$core_pid"
stop_swarmscope "$ours_pid"
echo

# ---- 3. memory and librados ----
echo "## memory: the ceph collector disabled and enabled (every default collector on, empty roots)"
empty="$work/empty"
mkdir -p "$empty/proc" "$empty/sys"
idle_flags=(--path.rootfs="$empty" --path.procfs="$empty/proc" --path.sysfs="$empty/sys")
memory() {  # NAME PID: private memory, RSS, librados mapped?
  local kb_private kb_rss kb_anon rados
  kb_private=$(awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s}' "/proc/$2/smaps_rollup")
  kb_rss=$(awk '/^Rss:/ {print $2}' "/proc/$2/smaps_rollup")
  kb_anon=$(awk '/^RssAnon:/ {print $2}' "/proc/$2/status")
  rados=$(grep -c 'librados' "/proc/$2/maps" || true)
  awk -v n="$1" -v p="$kb_private" -v r="$kb_rss" -v a="$kb_anon" -v l="$rados" 'BEGIN {
    printf "%-9s private (Private_Clean+Private_Dirty) %5.1f MiB  RssAnon %5.1f MiB  RSS %5.1f MiB  librados mappings %d\n", n, p / 1024, a / 1024, r / 1024, l }'
  echo "$rados" >"$work/rados.$1"
  awk '/^[0-9a-f]+-[0-9a-f]+ / {name = $6} /^Rss:/ && name ~ /^\// {rss[name] += $2} END {for (n in rss) print n, rss[n]}' \
    "/proc/$2/smaps" | sort >"$work/maps.$1"
}
scrape_some() { for _ in $(seq 20); do curl -sf -o /dev/null "http://127.0.0.1:$1/metrics"; done; }
start_swarmscope "$work/disabled.log" "${idle_flags[@]}"
scrape_some "$port"
sleep 1
memory disabled "$pid"
stop_swarmscope "$pid"
start_swarmscope "$work/enabled.log" "${idle_flags[@]}" --collector.ceph --cluster.metrics=always \
  "${ceph_flags[@]}" --ceph.refresh-interval=1s
wait_refreshed "$port"
scrape_some "$port"
sleep 2
memory enabled "$pid"
stop_swarmscope "$pid"
join -v2 "$work/maps.disabled" "$work/maps.enabled" | sort -k2,2nr >"$work/maps.only"
awk '{n++; s += $2} END {printf "files mapped only with the collector enabled: %d, %.1f MiB RSS; the largest:\n", n, s / 1024}' "$work/maps.only"
head -6 "$work/maps.only" | awk '{printf "  %6d KiB %s\n", $2, $1}'
bar "ceph disabled maps no librados" "$([ "$(cat "$work/rados.disabled")" = 0 ] && [ "$(cat "$work/rados.enabled")" -gt 0 ] && echo 1 || echo 0)"
