#!/usr/bin/env bash
# A real single-node Ceph cluster for the tests, from Debian's packages (Pacific 16.2.15),
# everything under one directory, on 127.0.0.1 only, ready in seconds
# (shared/recipes/ceph.md has the measured facts behind every setting here).
#
#   tests/ceph/cluster.sh start DIR
#       Creates DIR/{ceph.conf,keys,mon,osd,mgr,mds,run,log} and starts mon.a, mgr.x (the
#       prometheus module on), osd.0 and osd.1 (memstore), mds.a with the CephFS `cephfs`
#       (pools cephfs_metadata, cephfs_data), the pool `data` (application rbd, a few
#       objects, quota 1000 objects / 100 MiB) and the mgr's device_health_metrics pool.
#       Returns when the cluster is ready: HEALTH_OK, 2 OSDs up and in, every PG of every
#       pool active+clean, the MDS up:active, and the mgr's /metrics has ceph_health_status.
#       Then writes DIR/env, `export VAR=...` lines to source:
#         CEPH_CONF           DIR/ceph.conf
#         CEPH_ADMIN_KEYRING  keyring of client.admin
#         CEPH_RO_USER        swarmscope (client.swarmscope: mon 'allow r' mgr 'allow r')
#         CEPH_RO_KEYRING     keyring of client.swarmscope
#         CEPH_MGR_METRICS    http://127.0.0.1:PORT/metrics (the mgr prometheus module)
#         CEPH_RUN_DIR        the daemons' admin sockets: ceph-mon.a.asok, ceph-mgr.x.asok,
#                             ceph-osd.0.asok, ceph-osd.1.asok, ceph-mds.a.asok
#         CEPH_MON_ADDR       the `mon host` value, [v2:127.0.0.1:P,v1:127.0.0.1:P+1]
#         CEPH_FSID           the cluster's fsid
#       Prints the time it took on stderr. If anything fails, it stops what it started,
#       shows the tail of the failing daemon's log and exits non-zero.
#   tests/ceph/cluster.sh stop DIR
#       Stops every daemon of DIR and waits until they are gone (a zombie counts as gone):
#       the MDS by SIGKILL, mgr and OSDs by SIGTERM, the mon last; SIGKILL after 5 s, so it
#       never hangs. Idempotent; DIR itself is left for the caller to delete.
#   tests/ceph/cluster.sh stop-daemon DIR TYPE.ID     (osd.0, osd.1, mon.a, mgr.x, mds.a)
#       SIGTERM, then waits until the process is gone (SIGKILL after a bound).
#   tests/ceph/cluster.sh start-daemon DIR TYPE.ID
#       Starts it again and waits until it is back: osd up in the osdmap (a new up_from),
#       mon answering `status`, mgr's prometheus /metrics answering, mds up:active.
#   tests/ceph/cluster.sh wait-health DIR HEALTH_OK|HEALTH_WARN|HEALTH_ERR [TIMEOUT_S=60]
#
# Works as root or as any user. Ports: a free block of 100 loopback ports below the
# ephemeral range (mon v2 = base, v1 = base+1, mgr prometheus = base+2, messenger
# base+10..base+99), claimed under a lock so parallel clusters do not collide.
set -euo pipefail

readonly kPython=/usr/bin/python3   # Debian's, the one with the `rados` binding
readonly kBin=/usr/bin
readonly kOsds=(0 1)
readonly kDataObjects=5
readonly kStopTimeout=15           # seconds before SIGKILL, one daemon
readonly kStopAllGrace=5           # seconds before SIGKILL, whole cluster
readonly kReadyTimeout=90

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

log() { echo "cluster.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }
now() { echo $((${EPOCHREALTIME/[.,]/} / 1000)); }  # milliseconds
elapsed() {  # seconds since T0 (from now), two decimals
  local ms=$(($(now) - $1))
  printf '%d.%02d' $((ms / 1000)) $((ms % 1000 / 10))
}

cmd=${1:-}
[ -n "$cmd" ] || usage
[ -n "${2:-}" ] || usage
if [ "$cmd" = start ]; then mkdir -p "$2"; fi
if [ ! -d "$2" ]; then
  [ "$cmd" = stop ] && exit 0   # nothing was ever started there
  die "$2 is not a directory"
fi
dir=$(cd "$2" && pwd)
conf="$dir/ceph.conf"
keys="$dir/keys"
run="$dir/run"
logs="$dir/log"
admin_keyring="$keys/ceph.client.admin.keyring"
ro_keyring="$keys/ceph.client.swarmscope.keyring"

# ---- the Python helper: one librados connection for many commands and for polling ----
read -r -d '' kHelper <<'PY' || true
import json, os, sys, time, urllib.request
import rados

conf, keyring, what = sys.argv[1], sys.argv[2], sys.argv[3]
args = sys.argv[4:]

def connect(timeout):
    c = rados.Rados(conffile=conf, name="client.admin",
                    conf={"keyring": keyring, "client_mount_timeout": str(timeout),
                          "rados_mon_op_timeout": str(timeout)})
    c.connect()
    return c

def cmd(c, **kw):
    kw.setdefault("format", "json")
    ret, out, err = c.mon_command(json.dumps(kw), b"", timeout=10)
    if ret != 0:
        raise RuntimeError("%s: %s (%d)" % (kw["prefix"], err, ret))
    return json.loads(out) if out else None

def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False

def metrics_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return b"ceph_health_status" in r.read()
    except Exception:
        return False

def check(c, cond, arg):
    """Returns what is still missing, or None when cond holds."""
    if cond == "mon":
        cmd(c, prefix="status")
        return None
    if cond.startswith("HEALTH_"):
        h = cmd(c, prefix="health")
        return None if h["status"] == cond else "health is %s (%s)" % (
            h["status"], ", ".join(sorted(h.get("checks", {}))))
    if cond == "osd-up":                 # arg = "ID:EPOCH": up with up_from > EPOCH
        osd, epoch = (int(x) for x in arg.split(":"))
        for o in cmd(c, prefix="osd dump")["osds"]:
            if o["osd"] == osd:
                return None if o["up"] and o["up_from"] > epoch else "osd.%d not up" % osd
        return "osd.%d not in the osdmap" % osd
    if cond == "mds-active":
        ranks = cmd(c, prefix="status")["fsmap"].get("by_rank", [])
        return None if any(r["status"] == "up:active" for r in ranks) else "no active MDS"
    if cond == "mgr-metrics":
        return None if metrics_ok(arg) else "mgr prometheus %s not answering" % arg
    if cond == "ready":
        s = cmd(c, prefix="status")
        missing = []
        om, pm = s["osdmap"], s["pgmap"]
        if om["num_up_osds"] != 2 or om["num_in_osds"] != 2:
            missing.append("osds up/in %d/%d" % (om["num_up_osds"], om["num_in_osds"]))
        want = sum(p["pg_num"] for p in cmd(c, prefix="osd dump")["pools"])
        clean = sum(x["count"] for x in pm.get("pgs_by_state", [])
                    if x["state_name"] == "active+clean")
        if pm["num_pgs"] != want or clean != want:
            missing.append("pgs active+clean %d/%d" % (clean, want))
        if not any(r["status"] == "up:active" for r in s["fsmap"].get("by_rank", [])):
            missing.append("no active MDS")
        if not s["mgrmap"]["available"]:
            missing.append("no active mgr")
        if s["health"]["status"] != "HEALTH_OK":
            missing.append("%s (%s)" % (s["health"]["status"],
                                        ", ".join(sorted(s["health"].get("checks", {})))))
        if not missing and not metrics_ok(arg):
            missing.append("mgr prometheus %s not answering" % arg)
        return "; ".join(missing) or None
    raise SystemExit("unknown condition " + cond)

if what == "cmds":                       # JSON commands on stdin, one a line
    c = connect(10)
    for line in sys.stdin:
        if line.strip():
            try:
                cmd(c, **json.loads(line))
            except RuntimeError as e:
                sys.exit("command failed: %s" % e)
    c.shutdown()
elif what == "epoch":
    c = connect(10)
    print(cmd(c, prefix="osd dump")["epoch"])
    c.shutdown()
elif what == "wait":                     # wait COND ARG TIMEOUT [NAME=PID ...]
    cond, arg, timeout = args[0], args[1], float(args[2])
    watch = [w.split("=") for w in args[3:]]
    deadline = time.monotonic() + timeout
    c, missing = None, "no connection to the mon"
    while True:
        for name, pid in watch:
            if not alive(int(pid)):
                print(name, file=sys.stderr)
                sys.exit(3)
        try:
            if c is None:
                c = connect(3)
            missing = check(c, cond, arg)
            if missing is None:
                break
        except (rados.Error, RuntimeError, OSError) as e:
            missing = "no answer from the mon: %s" % e
            if c is not None:
                try:
                    c.shutdown()
                except Exception:
                    pass
                c = None
        if time.monotonic() > deadline:
            print("timed out after %gs waiting for %s: %s" % (timeout, cond, missing),
                  file=sys.stderr)
            sys.exit(1)
        time.sleep(0.2)
    if c is not None:
        c.shutdown()
else:
    sys.exit("unknown helper command " + what)
PY

helper() { "$kPython" -c "$kHelper" "$conf" "$admin_keyring" "$@"; }

# ---- processes ----
# Every daemon runs as `/usr/bin/ceph-TYPE --conf DIR/ceph.conf --id ID -f`, so its command
# line identifies it (a zombie has an empty command line and counts as stopped).
re_escape() { sed 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$1"; }
daemon_pattern() {  # TYPE ID (ID may be a regex)
  echo "^$kBin/ceph-$1 --conf $(re_escape "$conf") --id $2( |\$)"
}
daemon_pids() { pgrep -f -- "$(daemon_pattern "$1" "$2")" || true; }
all_pids() { pgrep -f -- "$(daemon_pattern '(mon|mgr|osd|mds)' '[^ ]+')" || true; }

split_daemon() {  # TYPE.ID -> sets dtype, did
  dtype=${1%%.*}
  did=${1#*.}
  case "$dtype" in
    mon | mgr | osd | mds) ;;
    *) die "unknown daemon '$1' (osd.N, mon.a, mgr.x, mds.a)" ;;
  esac
  if [ -z "$did" ] || [ "$did" = "$1" ]; then die "unknown daemon '$1'"; fi
}

launch() {  # TYPE ID: starts one daemon in its own session, echoes its pid
  local out="$logs/$1.$2.out"
  setsid "$kBin/ceph-$1" --conf "$conf" --id "$2" -f >>"$out" 2>&1 </dev/null &
  echo $!
}

declare -A logs_shown=()
show_log() {  # TYPE.ID, once
  local f
  [ -z "${logs_shown[$1]:-}" ] || return 0
  logs_shown[$1]=1
  for f in "$logs/ceph-$1.log" "$logs/$1.out"; do
    if [ -s "$f" ]; then
      echo "---- last lines of $f ----" >&2
      tail -n 25 "$f" >&2
    fi
  done
}

alive() {  # PID: running (a zombie is not)
  local state=
  { read -r _ _ state _ </proc/"$1"/stat; } 2>/dev/null || true
  case "$state" in "" | Z | X) return 1 ;; esac
}

# wait_gone TIMEOUT PID...: waits until none is alive; returns 1 on timeout.
wait_gone() {
  local deadline=$(($(now) + $1 * 1000)) pid left
  shift
  while :; do
    left=0
    for pid in "$@"; do alive "$pid" && left=1; done
    [ "$left" = 0 ] && return 0
    [ "$(now)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

terminate() {  # TIMEOUT PID...: SIGTERM, wait, SIGKILL
  local timeout=$1 pid left=()
  shift
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  wait_gone "$timeout" "$@" && return 0
  for pid in "$@"; do alive "$pid" && left+=("$pid"); done
  log "still running ${timeout}s after SIGTERM, sending SIGKILL: $(ps -o pid=,args= -p "${left[*]}" | tr -s ' ' | paste -sd ';' -)"
  kill -KILL "${left[@]}" 2>/dev/null || true
  wait_gone 10 "${left[@]}" || log "could not kill: ${left[*]}"
}

# The whole cluster: the MDS by SIGKILL (it takes 3-5 s to exit after SIGTERM, and its
# state is in RADOS anyway), mgr and OSDs by SIGTERM at once, then the mon (an OSD whose
# mon is gone waits 5 s for it).
stop_all() {  # GRACE (seconds before SIGKILL)
  local grace=$1 pids
  [ -f "$conf" ] || return 0
  pids=$(daemon_pids mds '[^ ]+')
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  pids="$pids $(pgrep -f -- "$(daemon_pattern '(mgr|osd)' '[^ ]+')" || true)"
  # shellcheck disable=SC2086
  terminate "$grace" $pids
  # shellcheck disable=SC2046
  terminate "$grace" $(daemon_pids mon '[^ ]+')
}

# ---- ports ----
port_block_free() {  # BASE COUNT: no TCP socket of any state uses a port in the block
  ss -Htan | awk -v lo="$1" -v hi="$(($1 + $2))" '
    { n = split($4, a, ":"); p = a[n] + 0; if (p >= lo && p < hi) bad = 1 }
    END { exit bad }'
}

# Sets base. Claims are files BASE.UID.PID, honoured for 10 minutes (by then the cluster
# listens on its ports, which port_block_free sees).
claim_ports() {
  local claims=/tmp/swarmscope-ceph-ports _
  mkdir -p "$claims"
  chmod 1777 "$claims" 2>/dev/null || true
  { : >>"$claims/.lock" && chmod 666 "$claims/.lock"; } 2>/dev/null || true
  exec 9>>"$claims/.lock" || die "cannot open $claims/.lock"
  flock -w 30 9 || die "could not lock $claims/.lock"
  find "$claims" -maxdepth 1 -name "*.$UID.*" -mmin +10 -delete 2>/dev/null || true
  for _ in $(seq 200); do
    base=$((20000 + (RANDOM % 127) * 100))
    if [ -n "$(find "$claims" -maxdepth 1 -name "$base.*" -mmin -10 2>/dev/null)" ]; then
      continue
    fi
    if port_block_free "$base" 100; then
      echo "$dir" >"$claims/$base.$UID.$$"
      exec 9>&-
      return 0
    fi
  done
  die "found no free block of 100 ports in 20000-32699"
}

# ---- start ----
write_conf() {
  cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = $mon_addr
public network = 127.0.0.1/32
ms bind ipv4 = true
ms bind ipv6 = false
ms bind port min = $((base + 10))
ms bind port max = $((base + 99))
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
# otherwise HEALTH_WARN AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED
auth allow insecure global id reclaim = false
keyring = $keys/\$cluster.\$name.keyring
run dir = $run
admin socket = $run/\$cluster-\$name.asok
pid file = $run/\$cluster-\$name.pid
log file = $logs/\$cluster-\$name.log
crash dir = $dir/crash
log to stderr = false
err to stderr = true
# one host, one replica
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
# the test directory may sit on a disk with less than 30 % free (MON_DISK_LOW)
mon data avail warn = 1
mon data avail crit = 0
# speed
paxos propose interval = 0.1
mon mgr digest period = 1
mgr stats period = 1
mgr tick period = 1
osd mon report interval = 1
mds beacon interval = 1
# prometheus instead of the default restful, iostat, nfs; the others are not even loaded
mgr initial modules = prometheus
mgr disabled modules = $disabled_modules

[mon]
mon data = $dir/mon/\$cluster-\$id
keyring = \$mon_data/keyring
mon cluster log file = $logs/\$cluster.log

[mgr]
mgr data = $dir/mgr/\$cluster-\$id

[osd]
osd data = $dir/osd/\$cluster-\$id
osd objectstore = memstore
# a restarted memstore OSD keeps its PGs only after a clean shutdown
osd fast shutdown = false

[mds]
mds data = $dir/mds/\$cluster-\$id
# A restarted MDS waits this long in up:reconnect for sessions whose client is gone (the
# libcephfs sessions of a restarted mgr's volumes module): 45 s by default, checked on
# every tick (5 s).
mds reconnect timeout = 3
mds tick interval = 1

[client]
# empty: the CLI, rados and the collector would fight over one socket and log file
admin socket =
log file =
EOF
}

# Modules nobody here uses: importing them is most of the mgr's start-up. The always-on
# ones (mgr dump's always_on_modules) must stay, a missing one is MGR_MODULE_ERROR.
mgr_disabled_modules() {
  local keep=" prometheus balancer crash devicehealth orchestrator pg_autoscaler progress
    rbd_support status telemetry volumes " m out=diskprediction_local
  for m in /usr/share/ceph/mgr/*/module.py; do
    m=$(basename "$(dirname "$m")")
    case "$keep" in *" $m"[[:space:]]*) ;; *) out="$out $m" ;; esac
  done
  echo "$out"
}

authtool() { "$kBin/ceph-authtool" "$@" >/dev/null; }

gen_keys() {
  local id
  mkdir -p "$keys"
  authtool "$keys/mon.keyring" --create-keyring --gen-key -n mon. --cap mon 'allow *'
  authtool "$admin_keyring" --create-keyring --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *'
  authtool "$ro_keyring" --create-keyring --gen-key -n client.swarmscope \
    --cap mon 'allow r' --cap mgr 'allow r'
  for id in "${kOsds[@]}"; do
    authtool "$keys/ceph.osd.$id.keyring" --create-keyring --gen-key -n "osd.$id" \
      --cap mon 'allow profile osd' --cap mgr 'allow profile osd' --cap osd 'allow *'
  done
  authtool "$keys/ceph.mgr.x.keyring" --create-keyring --gen-key -n mgr.x \
    --cap mon 'allow profile mgr' --cap osd 'allow *' --cap mds 'allow *'
  authtool "$keys/ceph.mds.a.keyring" --create-keyring --gen-key -n mds.a \
    --cap mon 'allow profile mds' --cap mgr 'allow profile mds' --cap osd 'allow *' \
    --cap mds 'allow *'
  cat "$keys"/*.keyring >"$dir/mkfs.keyring"
  chmod 600 "$keys"/*.keyring "$dir/mkfs.keyring"
}

# Single quotes, so that shells, `docker --env-file`-style readers and Python see one value.
env_line() { printf "export %s='%s'\n" "$1" "$2"; }

declare -A pids=()
# wait_cond COND ARG TIMEOUT: runs the helper's wait, watching every daemon started here.
wait_cond() {
  local watch=() name rc=0 failed
  for name in "${!pids[@]}"; do watch+=("$name=${pids[$name]}"); done
  failed=$(helper wait "$1" "$2" "$3" "${watch[@]}" 2>&1 >/dev/null) || rc=$?
  if [ "$rc" = 3 ]; then
    log "$failed exited while waiting for '$1'"
    show_log "$failed"
  elif [ "$rc" != 0 ]; then
    log "$failed"
  fi
  return "$rc"
}

start_failed() {
  local rc=$? name
  trap - EXIT
  if [ "$rc" != 0 ]; then
    for name in "${!pids[@]}"; do
      if ! alive "${pids[$name]}"; then
        log "$name has exited"
        show_log "$name"
      fi
    done
    log "start failed (exit $rc); stopping what was started in $dir"
    stop_all 1
  fi
  exit "$rc"
}

cmd_start() {
  local t0 fsid mon_addr disabled_modules osd id name f
  declare -A uuids=()
  t0=$(now)
  [ ! -e "$conf" ] || die "$dir already holds a cluster (stop it and use a fresh DIR)"
  [ -z "$(all_pids)" ] || die "daemons of $dir are running"
  [ ${#run} -lt 80 ] || die "$run is too long for unix socket paths (108 bytes)"
  case "$dir" in *"'"* | *" "*) die "DIR must not contain quotes or spaces: $dir" ;; esac
  trap start_failed EXIT
  mkdir -p "$run" "$logs" "$dir/crash" "$dir/mon/ceph-a" "$dir/mgr/ceph-x" "$dir/mds/ceph-a"
  claim_ports
  fsid=$(uuidgen)
  mon_addr="[v2:127.0.0.1:$base,v1:127.0.0.1:$((base + 1))]"
  prom_port=$((base + 2))
  disabled_modules=$(mgr_disabled_modules)
  write_conf
  gen_keys

  "$kBin/monmaptool" --create --clobber --fsid "$fsid" \
    --addv a "$mon_addr" "$dir/monmap" >/dev/null
  "$kBin/ceph-mon" --conf "$conf" --id a --mkfs --monmap "$dir/monmap" \
    --keyring "$dir/mkfs.keyring" >"$logs/mon.a.out" 2>&1 || { show_log mon.a; die "mon mkfs failed"; }
  pids[mon.a]=$(launch mon a)

  # OSD mkfs needs no mon: it runs while the mon starts.
  local mkfs_pids=()
  for osd in "${kOsds[@]}"; do
    uuids[$osd]=$(uuidgen)
    mkdir -p "$dir/osd/ceph-$osd"
    "$kBin/ceph-osd" --conf "$conf" --id "$osd" --mkfs --osd-uuid "${uuids[$osd]}" \
      >"$logs/osd.$osd.out" 2>&1 &
    mkfs_pids+=($!)
  done
  for id in "${!mkfs_pids[@]}"; do
    wait "${mkfs_pids[$id]}" || { show_log "osd.${kOsds[$id]}"; die "osd.${kOsds[$id]} mkfs failed"; }
  done

  # What the daemons need before they start: the OSD ids, the prometheus module's address.
  {
    for osd in "${kOsds[@]}"; do
      printf '{"prefix": "osd new", "uuid": "%s", "id": %d}\n' "${uuids[$osd]}" "$osd"
    done
    echo '{"prefix": "config set", "who": "mgr", "name": "mgr/prometheus/server_addr", "value": "127.0.0.1", "force": true}'
    printf '{"prefix": "config set", "who": "mgr", "name": "mgr/prometheus/server_port", "value": "%d", "force": true}\n' "$prom_port"
  } | helper cmds || { show_log mon.a; die "the mon refused the set-up commands"; }

  pids[mgr.x]=$(launch mgr x)
  for osd in "${kOsds[@]}"; do pids[osd.$osd]=$(launch osd "$osd"); done
  pids[mds.a]=$(launch mds a)

  # Pools and the file system while the daemons boot. device_health_metrics is what the
  # mgr's devicehealth module would create on its own (same pg_num, application) once an
  # OSD is up; creating it here keeps "every PG active+clean" from racing it.
  helper cmds <<'EOF' || die "the mon refused the pool commands"
{"prefix": "osd pool create", "pool": "device_health_metrics", "pg_num": 1, "pg_num_min": 1, "pg_num_max": 32}
{"prefix": "osd pool application enable", "pool": "device_health_metrics", "app": "mgr_devicehealth"}
{"prefix": "osd pool create", "pool": "data", "pg_num": 8, "pgp_num": 8}
{"prefix": "osd pool application enable", "pool": "data", "app": "rbd"}
{"prefix": "osd pool set-quota", "pool": "data", "field": "max_objects", "val": "1000"}
{"prefix": "osd pool set-quota", "pool": "data", "field": "max_bytes", "val": "100M"}
{"prefix": "osd pool create", "pool": "cephfs_metadata", "pg_num": 8, "pgp_num": 8}
{"prefix": "osd pool create", "pool": "cephfs_data", "pg_num": 8, "pgp_num": 8}
{"prefix": "fs new", "fs_name": "cephfs", "metadata": "cephfs_metadata", "data": "cephfs_data"}
{"prefix": "fs set", "fs_name": "cephfs", "var": "standby_count_wanted", "val": "0"}
EOF

  # A few objects in `data` (rados blocks until its PGs are active).
  f="$dir/object.bin"
  head -c 4096 /dev/urandom >"$f"
  for id in $(seq "$kDataObjects"); do
    timeout 60 "$kBin/rados" --conf "$conf" --name client.admin --keyring "$admin_keyring" \
      -p data put "object-$id" "$f" || die "rados put object-$id failed"
  done

  local rc=0
  wait_cond ready "http://127.0.0.1:$prom_port/metrics" "$kReadyTimeout" || rc=$?
  if [ "$rc" = 1 ]; then  # a timeout: which daemon is to blame is not known
    for name in "${!pids[@]}"; do show_log "$name"; done
  fi
  [ "$rc" = 0 ] || return 1

  {
    env_line CEPH_CONF "$conf"
    env_line CEPH_ADMIN_KEYRING "$admin_keyring"
    env_line CEPH_RO_USER swarmscope
    env_line CEPH_RO_KEYRING "$ro_keyring"
    env_line CEPH_MGR_METRICS "http://127.0.0.1:$prom_port/metrics"
    env_line CEPH_RUN_DIR "$run"
    env_line CEPH_MON_ADDR "$mon_addr"
    env_line CEPH_FSID "$fsid"
  } >"$dir/env"
  trap - EXIT
  log "cluster ready in $(elapsed "$t0") s ($dir/env)"
}

# ---- single daemons ----
metrics_url() {
  [ -f "$dir/env" ] || die "$dir/env is missing (did start finish?)"
  # shellcheck disable=SC1091
  (source "$dir/env" && echo "$CEPH_MGR_METRICS")
}

cmd_stop_daemon() {
  local t0 pid_list
  t0=$(now)
  split_daemon "$1"
  pid_list=$(daemon_pids "$dtype" "$did")
  if [ -z "$pid_list" ]; then
    log "$1 is not running"
    return 0
  fi
  # shellcheck disable=SC2086
  terminate "$kStopTimeout" $pid_list
  log "$1 stopped in $(elapsed "$t0") s"
}

cmd_start_daemon() {
  local t0 epoch=0 cond arg
  t0=$(now)
  split_daemon "$1"
  [ -f "$conf" ] || die "no cluster in $dir"
  [ -z "$(daemon_pids "$dtype" "$did")" ] || die "$1 is already running"
  case "$dtype" in
    osd) epoch=$(helper epoch) || die "no answer from the mon"
         cond=osd-up arg="$did:$epoch" ;;
    mon) cond=mon arg=- ;;
    mgr) cond=mgr-metrics arg=$(metrics_url) ;;
    mds) cond=mds-active arg=- ;;
  esac
  pids[$1]=$(launch "$dtype" "$did")
  wait_cond "$cond" "$arg" 60 || die "$1 did not come back"
  log "$1 started in $(elapsed "$t0") s"
}

cmd_wait_health() {
  local want=${1:?usage: $0 wait-health DIR HEALTH_OK|HEALTH_WARN|HEALTH_ERR [TIMEOUT]}
  local timeout=${2:-60}
  case "$want" in HEALTH_OK | HEALTH_WARN | HEALTH_ERR) ;; *) die "unknown status $want" ;; esac
  wait_cond "$want" - "$timeout" || exit 1
}

case "$cmd" in
  start) cmd_start ;;
  stop)
    t0=$(now)
    stop_all "$kStopAllGrace"
    log "stopped in $(elapsed "$t0") s"
    ;;
  stop-daemon) cmd_stop_daemon "${3:?usage: $0 stop-daemon DIR TYPE.ID}" ;;
  start-daemon) cmd_start_daemon "${3:?usage: $0 start-daemon DIR TYPE.ID}" ;;
  wait-health) shift 2; cmd_wait_health "$@" ;;
  *) usage ;;
esac
