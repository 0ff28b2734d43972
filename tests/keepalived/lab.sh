#!/usr/bin/env bash
# A real VRRP lab: keepalived (Debian's 2.2.7) in network namespaces on one bridge, on the
# documentation range 198.51.100.0/24, nothing on the host's interfaces
# (shared/recipes/keepalived.md has the facts behind it). Needs root, keepalived, iproute2;
# `split` needs nft (package nftables).
#
#   lab.sh up DIR [N=3] [--unicast|--multicast] [--vrrp-version 2|3] [--no-track]
#             [--track-weight W] [--priorities P1,P2,...] [--nopreempt]
#       Creates the namespaces ID-br (bridge br0) and ID-n1..ID-nN (eth0 = 198.51.100.1K/24,
#       K = 1..N, N <= 9), ID = "ka" + 6 random hex digits kept in DIR/lab.env, so labs in
#       different DIRs never clash. Writes DIR/nodeK/keepalived.conf (vrrp_instance VI_1 on
#       eth0, virtual_router_id 51, priorities 150/100/50/40/30/20/15/10/5 unless
#       --priorities, advert_int 1, VIP 198.51.100.100/24, preempt unless --nopreempt;
#       multicast adverts unless --unicast (unicast_src_ip + unicast_peer), vrrp_version
#       from --vrrp-version (default 2)), then starts one keepalived per node and returns
#       when a node holds the VIP, printing the time to the first MASTER on stderr.
#       Per node, in DIR/nodeK/:
#         keepalived.conf   the config; keepalived.log its console log (-l -D)
#         keepalived.pid    the parent (-p); vrrp.pid the VRRP child (-r)
#         track_ok          present = the tracked script chk_track (`test -e track_ok`,
#                           interval 1, rise 1, fall 1) succeeds; weight -80 by default
#                           (priority 150 -> 70), --track-weight 0 puts the instance in
#                           FAULT instead, --no-track leaves track_script out
#         notify.sh         the instance's `notify` script; it appends
#                           "EPOCH.MS INSTANCE VI_1 STATE PRIORITY" lines to notify.log
#         tmp/              the node's TMPDIR: keepalived.data/.stats/.json land here
#       keepalived runs as `keepalived -n -P -G -l -D -f ... -p ... -r ...` under setsid,
#       with TMPDIR=DIR/nodeK/tmp. DIR/lab.env holds LAB_ID, LAB_N, LAB_MODE,
#       LAB_VRRP_VERSION, LAB_VIP (shell syntax). If `up` fails, it tears the lab down.
#   lab.sh down DIR
#       Kills every process in the lab's namespaces (SIGTERM, SIGKILL after 3 s), waits up
#       to 3 s for the orphaned keepalived processes to be reaped, and deletes the
#       namespaces (with them the veths and the bridge). Idempotent, bounded (< 10 s).
#   lab.sh start DIR K       starts node K's keepalived (waits for its VRRP child)
#   lab.sh stop DIR K [--no-wait]
#                            SIGTERM to node K's keepalived; waits until it is gone (2.2.7
#                            drops the VIP and sends priority 0 at once, exits ~1 s later)
#   lab.sh kill DIR K        SIGKILL to node K's keepalived: SIGSTOP to the parent (no
#                            respawn), SIGKILL to the child, then to the parent (a crash:
#                            the VIP stays on node K's eth0)
#   lab.sh link DIR K down|up          node K's eth0
#   lab.sh track DIR K ok|fail         creates/removes DIR/nodeK/track_ok
#   lab.sh split DIR K L on|off        drops VRRP (IP protocol 112) between nodes K and L:
#                                      in each of the two namespaces an nft table
#                                      `ip lab_split_nOTHER` drops it from and to the other
#                                      node's address (multicast and unicast alike)
#   lab.sh dump DIR K [OUTDIR]
#       Makes node K's keepalived write keepalived.data, .stats and .json (the signals of
#       `keepalived --signum=DATA|STATS|JSON`, sent to the parent one after the other)
#       and waits until each file is complete: a new inode (2.2.7 renames an empty temporary
#       file over the old one, then writes into it), non-empty, and open in neither
#       keepalived process (it is closed once written; a polled size can be a 4096-byte
#       prefix). Prints each path and the time it took on stderr. With OUTDIR, copies them
#       to OUTDIR/nK.keepalived.{data,stats,json} (the parent's keepalived_parent.data,
#       which SIGUSR1 also makes, is left in tmp/).
#   lab.sh master DIR        prints the nodes holding the VIP on eth0, one per line
#   lab.sh state DIR K       prints node K's last notified state (MASTER, BACKUP, FAULT,
#                            STOP; INIT before any notification), NOT_RUNNING if its
#                            keepalived is not running
#   lab.sh wait DIR K STATE [TIMEOUT_S=15]
#                            waits until `state` prints STATE; prints the seconds it took
#   lab.sh wait-vip DIR NODES [TIMEOUT_S=15]
#                            waits until the VIP holders are exactly NODES ("2", "1,2" or
#                            "none"); prints the seconds it took
#   lab.sh exec DIR K CMD... runs CMD in node K's network namespace
#   lab.sh ns DIR K          prints node K's namespace name (K = br: the bridge's)
# Exit status: 0 on success, 1 on a failure or a timeout, 2 on a usage error.
set -euo pipefail

readonly kNet=198.51.100
readonly kVip=198.51.100.100
readonly kVrid=51
prog=lab.sh

die() { echo "$prog: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit 2; }
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }

# load DIR: reads DIR/lab.env into LAB_*; fails when the lab was never brought up.
load() {
  dir=$1
  [ -f "$dir/lab.env" ] || die "$dir/lab.env is missing (run: $prog up $dir)"
  # shellcheck disable=SC1091
  source "$dir/lab.env"
}

ns_of() {
  case $1 in
    br) echo "$LAB_ID-br" ;;
    *) echo "$LAB_ID-n$1" ;;
  esac
}

node_arg() {
  if [[ $1 =~ ^[1-9]$ ]] && [ "$1" -le "$LAB_N" ]; then return 0; fi
  die "no node $1 (the lab has 1..$LAB_N)"
}

# alive PID: the process exists and is not a zombie (orphans are reaped late here).
alive() {
  local st
  [ -n "$1" ] || return 1
  st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

pid_of() { cat "$dir/node$1/$2" 2>/dev/null || true; }

running() {
  local p
  p=$(pid_of "$1" keepalived.pid)
  alive "$p" && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = keepalived ]
}

# wait_gone TIMEOUT_S PID...: true when every PID is gone before TIMEOUT_S.
wait_gone() {
  local t=$1 p left; shift
  local end=$((${EPOCHREALTIME/./} + t * 1000000))
  while :; do
    left=0
    for p in "$@"; do alive "$p" && left=1; done
    [ $left = 0 ] && return 0
    [ "${EPOCHREALTIME/./}" -lt $end ] || return 1
    sleep 0.02
  done
}

write_node() {
  local k=$1 prio=$2 nd="$dir/node$1" peers="" j
  mkdir -p "$nd/tmp"
  chmod 700 "$nd/tmp"
  cat >"$nd/notify.sh" <<EOF
#!/bin/sh
# keepalived runs this as: notify.sh INSTANCE VI_1 STATE PRIORITY
echo "\$(date +%s.%3N) \$*" >>'$nd/notify.log'
EOF
  chmod 755 "$nd/notify.sh"
  : >"$nd/notify.log"
  touch "$nd/track_ok"
  if [ "$mode" = unicast ]; then
    for ((j = 1; j <= n; j++)); do
      [ $j = "$k" ] || peers+="    $kNet.1$j"$'\n'
    done
  fi
  {
    echo "global_defs {"
    echo "  router_id $LAB_ID-n$k"
    echo "  script_user root"
    [ "$version" = 3 ] && echo "  vrrp_version 3"
    echo "}"
    if [ "$track" = 1 ]; then
      cat <<EOF
vrrp_script chk_track {
  script "/usr/bin/test -e $nd/track_ok"
  interval 1
  weight $track_weight
  rise 1
  fall 1
}
EOF
    fi
    cat <<EOF
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id $kVrid
  priority $prio
  advert_int 1
EOF
    [ "$preempt" = 1 ] || echo "  nopreempt"
    if [ "$mode" = unicast ]; then
      echo "  unicast_src_ip $kNet.1$k"
      printf '  unicast_peer {\n%s  }\n' "$peers"
    fi
    [ "$track" = 1 ] && printf '  track_script {\n    chk_track\n  }\n'
    cat <<EOF
  virtual_ipaddress {
    $kVip/24 dev eth0
  }
  notify $nd/notify.sh
}
EOF
  } >"$nd/keepalived.conf"
}

start_node() {
  local k=$1 nd="$dir/node$1" ns p end
  ns=$(ns_of "$k")
  running "$k" && die "node$k's keepalived is already running (pid $(pid_of "$k" keepalived.pid))"
  rm -f "$nd/keepalived.pid" "$nd/vrrp.pid"
  echo "=== start $(date '+%F %T.%3N')" >>"$nd/keepalived.log"
  # -n: no fork, so the parent stays the process this script started. TMPDIR is where
  # 2.x writes its dumps (keepalived.data/.stats/.json).
  setsid ip netns exec "$ns" env TMPDIR="$nd/tmp" \
    keepalived -n -P -G -l -D -f "$nd/keepalived.conf" \
    -p "$nd/keepalived.pid" -r "$nd/vrrp.pid" </dev/null >>"$nd/keepalived.log" 2>&1 &
  local bg=$!
  end=$((${EPOCHREALTIME/./} + 5000000))
  until p=$(pid_of "$k" vrrp.pid) && alive "$p"; do
    alive "$bg" || {
      tail -n 20 "$nd/keepalived.log" >&2
      die "node$k's keepalived exited at its start"
    }
    [ "${EPOCHREALTIME/./}" -lt $end ] || {
      tail -n 20 "$nd/keepalived.log" >&2
      die "node$k's keepalived did not start its VRRP child in 5 s"
    }
    sleep 0.02
  done
}

cmd_up() {
  dir=${1:?}; shift
  n=3
  if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then n=$1; shift; fi
  [[ $n =~ ^[1-9]$ ]] || die "N must be 1..9"
  mode=multicast version=2 track=1 track_weight=-80 preempt=1
  local prios=(150 100 50 40 30 20 15 10 5) k t0 holders
  while [ $# -gt 0 ]; do
    case $1 in
      --unicast) mode=unicast ;;
      --multicast) mode=multicast ;;
      --vrrp-version) version=${2:?}; shift ;;
      --no-track) track=0 ;;
      --track-weight) track_weight=${2:?}; shift ;;
      --priorities) IFS=, read -r -a prios <<<"${2:?}"; shift ;;
      --nopreempt) preempt=0 ;;
      *) usage ;;
    esac
    shift
  done
  [[ $version =~ ^[23]$ ]] || die "--vrrp-version is 2 or 3"
  [ ${#prios[@]} -ge "$n" ] || die "--priorities needs $n values"
  command -v keepalived >/dev/null || die "keepalived is not installed (apt-get install keepalived)"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/lab.env" ]; then
    load "$dir"
    ip netns list | grep -q "^$LAB_ID-" && die "$dir is already up ($LAB_ID); run: $prog down $dir"
  fi
  LAB_ID=ka$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
  LAB_N=$n
  cat >"$dir/lab.env" <<EOF
LAB_ID=$LAB_ID
LAB_N=$n
LAB_MODE=$mode
LAB_VRRP_VERSION=$version
LAB_VIP=$kVip
EOF
  # A half-built lab is torn down again.
  trap 'echo "$prog: up failed, tearing $dir down" >&2; cmd_down "$dir" || true' EXIT
  t0=$(now)
  local br
  br=$(ns_of br)
  ip netns add "$br"
  ip -n "$br" link set lo up
  ip -n "$br" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
  ip -n "$br" link set br0 up
  for ((k = 1; k <= n; k++)); do
    local nsk
    nsk=$(ns_of $k)
    ip netns add "$nsk"
    ip -n "$nsk" link set lo up
    ip -n "$br" link add "v$k" type veth peer name eth0 netns "$nsk"
    ip -n "$br" link set "v$k" master br0 up
    ip -n "$nsk" addr add "$kNet.1$k/24" dev eth0
    ip -n "$nsk" link set eth0 up
    write_node $k "${prios[k - 1]}"
  done
  echo "$prog: up: $LAB_ID, $n nodes ($mode, VRRPv$version), network in $(since "$t0") s" >&2
  t0=$(now)
  for ((k = 1; k <= n; k++)); do start_node $k; done
  echo "$prog: up: keepalived started on $n nodes in $(since "$t0") s" >&2
  local end=$((${EPOCHREALTIME/./} + 15000000))
  while holders=$(cmd_master_list) && [ -z "$holders" ]; do
    [ "${EPOCHREALTIME/./}" -lt $end ] || die "no node holds $kVip 15 s after the start"
    sleep 0.05
  done
  trap - EXIT
  echo "$prog: up: first MASTER (${holders//$'\n'/ }) $(since "$t0") s after the start" >&2
}

cmd_master_list() {
  local k
  for ((k = 1; k <= LAB_N; k++)); do
    if ip -n "$(ns_of $k)" -4 -o addr show dev eth0 2>/dev/null | grep -q " $kVip/"; then
      echo "node$k"
    fi
  done
}

cmd_down() {
  dir=${1:?}
  [ -f "$dir/lab.env" ] || return 0
  load "$dir"
  local nss ns pids=() p k two
  nss=$(ip netns list 2>/dev/null | awk -v id="$LAB_ID-" 'index($1, id) == 1 { print $1 }')
  for ns in $nss; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do pids+=("$p"); done
  done
  # Pidfiles too: a keepalived whose namespace is already gone.
  for ((k = 1; k <= LAB_N; k++)); do
    for p in $(pid_of $k keepalived.pid) $(pid_of $k vrrp.pid); do
      if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = keepalived ]; then pids+=("$p"); fi
    done
  done
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    if ! wait_gone 3 "${pids[@]}"; then
      kill -KILL "${pids[@]}" 2>/dev/null || true
      wait_gone 2 "${pids[@]}" || echo "$prog: down: pids still alive: ${pids[*]}" >&2
    fi
  fi
  # The keepalived parents are orphans; whoever reaps them (PID 1 here: within ~2 s) may
  # be slow. Give it a bounded moment, for these and for those `stop` and `kill` ended, so
  # that `pgrep keepalived` right after is empty.
  for ((k = 1; k <= LAB_N; k++)); do
    if [ -f "$dir/node$k/exited.pids" ]; then
      while read -r -a two; do pids+=("${two[@]}"); done <"$dir/node$k/exited.pids"
      rm -f "$dir/node$k/exited.pids"
    fi
  done
  local end=$((${EPOCHREALTIME/./} + 3000000))
  for p in ${pids[@]+"${pids[@]}"}; do
    while [ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" = Z ] &&
      [ "${EPOCHREALTIME/./}" -lt $end ]; do sleep 0.05; done
  done
  for ns in $nss; do ip netns delete "$ns" 2>/dev/null || true; done
  for ((k = 1; k <= LAB_N; k++)); do rm -f "$dir/node$k/keepalived.pid" "$dir/node$k/vrrp.pid"; done
  nss=$(ip netns list 2>/dev/null | awk -v id="$LAB_ID-" 'index($1, id) == 1 { print $1 }')
  [ -z "$nss" ] || die "down: namespaces left: $nss"
}

cmd_stop() {
  local k=$1 p c t0
  running "$k" || { echo "$prog: node$k is not running" >&2; return 0; }
  p=$(pid_of "$k" keepalived.pid)
  c=$(pid_of "$k" vrrp.pid)
  t0=$(now)
  echo "$p $c" >>"$dir/node$k/exited.pids"
  kill -TERM "$p"
  [ "${2:-}" != --no-wait ] || return 0
  if ! wait_gone 10 "$p" "$c"; then
    kill -KILL "$p" "$c" 2>/dev/null || true
    wait_gone 2 "$p" "$c" || true
    die "node$k's keepalived ignored SIGTERM for 10 s (killed)"
  fi
  echo "$prog: stop: node$k gone $(since "$t0") s after SIGTERM" >&2
}

cmd_kill() {
  local k=$1 p c
  running "$k" || { echo "$prog: node$k is not running" >&2; return 0; }
  p=$(pid_of "$k" keepalived.pid)
  c=$(pid_of "$k" vrrp.pid)
  echo "$p $c" >>"$dir/node$k/exited.pids"
  # Stop the parent first so it cannot respawn the child or pass it a SIGTERM.
  kill -STOP "$p"
  if [ -n "$c" ]; then kill -KILL "$c" 2>/dev/null || true; fi
  kill -KILL "$p"
  wait_gone 5 "$p" "$c" || die "node$k's keepalived survived SIGKILL"
}

# dump_one K KIND: signals node K's parent, waits for DIR/nodeK/tmp/keepalived.KIND.
dump_one() {
  local k=$1 kind=$2 nd="$dir/node$1" f sig parent child before after t0 end
  f="$nd/tmp/keepalived.$kind"
  sig=$(keepalived --signum="${kind^^}")
  parent=$(pid_of "$k" keepalived.pid)
  child=$(pid_of "$k" vrrp.pid)
  before=$(stat -c '%i %.9Y %s' "$f" 2>/dev/null || echo none)
  t0=$(now)
  kill -"$sig" "$parent"
  end=$((${EPOCHREALTIME/./} + 5000000))
  while :; do
    after=$(stat -c '%i %.9Y %s' "$f" 2>/dev/null || echo none)
    if [ "$after" != none ] && [ "$after" != "$before" ] && [ "${after##* }" -gt 0 ] &&
      ! find "/proc/$child/fd" -lname "$f*" 2>/dev/null | grep -q . &&
      ! find "/proc/$parent/fd" -lname "$f*" 2>/dev/null | grep -q .; then
      break
    fi
    # A keepalived that is shutting down ignores the signal and exits.
    alive "$parent" || die "node$k's keepalived exited before writing $f"
    [ "${EPOCHREALTIME/./}" -lt $end ] || die "node$k: $f not complete 5 s after signal $sig"
    sleep 0.005
  done
  echo "$prog: dump: $f ($(stat -c %s "$f") bytes) $(since "$t0") s after signal $sig" >&2
  if [ -n "${outdir:-}" ]; then cp "$f" "$outdir/n$k.keepalived.$kind"; fi
}

cmd_dump() {
  local k=$1 kind
  outdir=${2:-}
  running "$k" || die "node$k's keepalived is not running"
  if [ -n "$outdir" ]; then mkdir -p "$outdir"; fi
  for kind in data stats json; do dump_one "$k" $kind; done
}

cmd_state() {
  local k=$1 s
  if ! running "$k"; then echo NOT_RUNNING; return 0; fi
  s=$(awk 'NF >= 4 && $2 == "INSTANCE" { s = $4 } END { print s }' "$dir/node$k/notify.log")
  echo "${s:-INIT}"
}

cmd_wait() {
  local k=$1 want=$2 t=${3:-15} t0 end
  t0=$(now)
  end=$((${EPOCHREALTIME/./} + t * 1000000))
  until [ "$(cmd_state "$k")" = "$want" ]; do
    [ "${EPOCHREALTIME/./}" -lt $end ] || die "node$k not $want after $t s (it is $(cmd_state "$k"))"
    sleep 0.02
  done
  since "$t0"; echo
}

cmd_wait_vip() {
  local want=$2 t=${3:-15} t0 end got
  [ "$want" = none ] && want="" || want=$(tr , '\n' <<<"$want" | sed 's/^/node/' | sort | paste -sd,)
  t0=$(now)
  end=$((${EPOCHREALTIME/./} + t * 1000000))
  until got=$(cmd_master_list | paste -sd,) && [ "$got" = "$want" ]; do
    [ "${EPOCHREALTIME/./}" -lt $end ] || die "VIP holders '${got:-none}', not '${want:-none}', after $t s"
    sleep 0.02
  done
  since "$t0"; echo
}

cmd_split() {
  local k=$1 l=$2 on=$3 a b
  node_arg "$l"
  [ "$k" != "$l" ] || die "split needs two different nodes"
  command -v nft >/dev/null || die "nft is not installed (apt-get install nftables)"
  for pair in "$k $l" "$l $k"; do
    read -r a b <<<"$pair"
    ip netns exec "$(ns_of "$a")" nft delete table ip "lab_split_n$b" 2>/dev/null || true
    if [ "$on" = on ]; then
      ip netns exec "$(ns_of "$a")" nft -f - <<EOF
table ip lab_split_n$b {
  chain input {
    type filter hook input priority filter; policy accept;
    ip saddr $kNet.1$b ip protocol vrrp drop
  }
  chain output {
    type filter hook output priority filter; policy accept;
    ip daddr $kNet.1$b ip protocol vrrp drop
  }
}
EOF
    fi
  done
}

main() {
  [ $# -ge 2 ] || usage
  local cmd=$1; shift
  case $cmd in
    up) cmd_up "$@"; return ;;
    down) [ $# = 1 ] || usage; cmd_down "$1"; return ;;
  esac
  load "$1"; shift
  case $cmd in
    master) cmd_master_list ;;
    ns) [ $# = 1 ] || usage; [ "$1" = br ] || node_arg "$1"; ns_of "$1" ;;
    start|stop|kill|state|dump|link|track|split|exec|wait) [ $# -ge 1 ] || usage; node_arg "$1" ;;&
    start) start_node "$1" ;;
    stop)
      if [ $# -gt 2 ] || { [ $# = 2 ] && [ "$2" != --no-wait ]; }; then usage; fi
      cmd_stop "$@" ;;
    kill) cmd_kill "$1" ;;
    state) cmd_state "$1" ;;
    dump) cmd_dump "$@" ;;
    link)
      if [ $# != 2 ] || ! [[ $2 =~ ^(up|down)$ ]]; then usage; fi
      ip -n "$(ns_of "$1")" link set eth0 "$2" ;;
    track)
      [ $# = 2 ] || usage
      case $2 in
        ok) touch "$dir/node$1/track_ok" ;;
        fail) rm -f "$dir/node$1/track_ok" ;;
        *) usage ;;
      esac ;;
    split)
      if [ $# != 3 ] || ! [[ $3 =~ ^(on|off)$ ]]; then usage; fi
      cmd_split "$@" ;;
    exec) [ $# -ge 2 ] || usage; local k=$1; shift; exec ip netns exec "$(ns_of "$k")" "$@" ;;
    wait) [ $# -ge 2 ] || usage; cmd_wait "$@" ;;
    wait-vip) [ $# -ge 1 ] || usage; cmd_wait_vip "" "$@" ;;
    *) usage ;;
  esac
}

main "$@"
