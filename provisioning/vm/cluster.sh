#!/usr/bin/env bash
# A cluster of Debian 12 VMs on this machine, for trying the whole platform on a laptop and
# for the provisioning test: N nodes from one node image (node-image.sh), on a private L2
# segment that only they share, reachable from this machine over ssh. Plain qemu; $ACCEL
# picks the accelerator (default: kvm where /dev/kvm works, else TCG, as on CI machines).
#
#   provisioning/vm/cluster.sh up [N]        # image (if needed) + nodes node1..nodeN (default 3)
#   provisioning/vm/cluster.sh add NAME      # one more node (node4, ...)
#   provisioning/vm/cluster.sh stop NAME     # power it off (pulls the plug)
#   provisioning/vm/cluster.sh start NAME    # boot it again, same disks
#   provisioning/vm/cluster.sh ssh NAME [CMD...]
#   provisioning/vm/cluster.sh inventory     # (re)writes and prints the Ansible inventory of these nodes
#   provisioning/vm/cluster.sh images [BINARY]  # the stacks' images, built with this machine's
#                                            # docker ($DOCKER_HOST) from Debian's packages,
#                                            # saved for the nodes (provisioning/images.sh)
#   provisioning/vm/cluster.sh provision [ARGS...]   # ansible-playbook site.yml on them
#   provisioning/vm/cluster.sh status
#   provisioning/vm/cluster.sh down          # stop every node, remove the network and the disks
#
# Network (documentation ranges only): the cluster segment 192.0.2.0/24 (nodeK at
# 192.0.2.(10+K), the VIP 192.0.2.100) is a multicast socket on the loopback of a network
# namespace of its own ($VM_NETNS), so no frame reaches this machine's interfaces. This
# machine reaches the nodes through a veth pair into that namespace, 198.51.100.249 <->
# 198.51.100.250 ($VM_LINK_NET/30), where qemu forwards, for nodeK: ssh on port 2200+K, Prometheus (9090) on
# 19090+K, Grafana (3000) on 13000+K, swarmscope (9338) on 19338+K. The nodes' own
# management NIC (qemu user networking, 198.51.100.0/25: not the veth's /30, or the
# answers to forwarded connections would stay on that NIC) reaches nothing outside.
#
# Environment:
#   VM_DIR       build/vms             image, disks, consoles, pid files, inventory
#   VM_MEMORY    2048                  MiB per node
#   VM_CPUS      1
#   VM_V1_NODES  node3                 nodes booted with the hybrid cgroup v1 hierarchy
#   VM_NETNS     swarmscope-vms
#   VM_MCAST     239.255.92.1:41092    the cluster segment's multicast group
#   VM_LINK_NET  198.51.100.248        the veth pair's /30 (this machine .249, the namespace .250)
#   VM_CPU       Westmere   VM_TB_SIZE 1024   (TCG only: CPU model, translation cache MiB)
#   ACCEL        auto (kvm, else tcg)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
vm_dir=${VM_DIR:-$repo/build/vms}
memory=${VM_MEMORY:-2048}
cpus=${VM_CPUS:-1}
v1_nodes=" ${VM_V1_NODES-node3} "
netns=${VM_NETNS:-swarmscope-vms}
mcast=${VM_MCAST:-239.255.92.1:41092}
# A /30 of a documentation range for the veth pair; check that this machine has no route
# into it already (VM_LINK_NET=a.b.c.d, the /30's network address, to pick another).
link_net=${VM_LINK_NET:-198.51.100.248}
host_ip=${link_net%.*}.$((${link_net##*.} + 1))
ns_ip=${link_net%.*}.$((${link_net##*.} + 2))
image=$vm_dir/image
key=$image/id_ed25519

die() { echo "cluster: $*" >&2; exit 1; }
index() { local n=${1#node}; [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 80 ] || die "node names are node1..node80, not $1"; echo "$n"; }
ssh_opts() {
  echo -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    -o ConnectTimeout=30 -o BatchMode=yes -i "$key"
}
accel() {
  case "${ACCEL:-auto}" in
    auto)
      if [ -w /dev/kvm ] && grep -qE 'vmx|svm' /proc/cpuinfo; then echo kvm; else echo tcg,thread=multi,tb-size=${VM_TB_SIZE:-1024}; fi ;;
    tcg) echo tcg,thread=multi,tb-size=${VM_TB_SIZE:-1024} ;;
    *) echo "$ACCEL" ;;
  esac
}
# The CPU model: under TCG one with SSSE3 and SSE4.2 (qemu64 lacks them, and Ceph's
# erasure-code library dies of SIGILL without them) but no AVX, whose emulation would make
# every glibc string function slower ($VM_CPU); the host's under KVM. TCG's translation
# cache: $VM_TB_SIZE MiB (unbounded, QEMU 7.2 grows to ~1.7 GB per VM).
cpu_model() { case "$(accel)" in kvm*) echo host ;; *) echo "${VM_CPU:-Westmere}" ;; esac; }
poweroff() {  # poweroff NAME: pulls the plug (qemu by its pid file, never by name)
  local pid
  if running "$1"; then
    pid=$(cat "$vm_dir/$1/pid")
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$vm_dir/$1/pid"
}
running() { [ -f "$vm_dir/$1/pid" ] && kill -0 "$(cat "$vm_dir/$1/pid")" 2>/dev/null; }
nodes() { find "$vm_dir" -mindepth 1 -maxdepth 1 -type d -name 'node*' -printf '%f\n' 2>/dev/null | sort -V; }

network_up() {
  ip netns list | grep -qw "$netns" && return 0
  if ip route get "$ns_ip" 2>/dev/null | grep -qv ' dev lo '; then
    local via
    via=$(ip -4 route show match "$ns_ip/30" | grep -v '^default' || true)
    [ -z "$via" ] || die "this machine already routes $link_net/30 ($via): set VM_LINK_NET to a free /30"
  fi
  ip netns add "$netns"
  ip -n "$netns" link set lo up
  ip -n "$netns" link set lo multicast on
  ip -n "$netns" route add 224.0.0.0/4 dev lo
  ip link add "${netns:0:10}-h" type veth peer name eth0 netns "$netns"
  ip addr add "$host_ip/30" dev "${netns:0:10}-h"
  ip link set "${netns:0:10}-h" up
  ip -n "$netns" addr add "$ns_ip/30" dev eth0
  ip -n "$netns" link set eth0 up
}

boot() {  # boot NAME: starts the node's qemu (its disks made on first boot)
  local name=$1 k d cg=""
  k=$(index "$name")
  d=$vm_dir/$name
  running "$name" && return 0
  mkdir -p "$d"
  [ ! -f "$d/root.qcow2" ] || [ "$d/root.qcow2" -nt "$image/base.qcow2" ] ||
    die "the node image was rebuilt after $name's disk was made on it: cluster.sh down first"
  [ -f "$d/root.qcow2" ] || qemu-img create -q -f qcow2 -F qcow2 -b "$image/base.qcow2" "$d/root.qcow2" 24G
  [ -f "$d/osd.qcow2" ] || qemu-img create -q -f qcow2 "$d/osd.qcow2" 10G
  [[ "$v1_nodes" == *" $name "* ]] && cg=" systemd.unified_cgroup_hierarchy=0"
  local fwd="hostfwd=tcp:$ns_ip:$((2200 + k))-:22,hostfwd=tcp:$ns_ip:$((19090 + k))-:9090"
  fwd+=",hostfwd=tcp:$ns_ip:$((13000 + k))-:3000,hostfwd=tcp:$ns_ip:$((19338 + k))-:9338"
  ip netns exec "$netns" qemu-system-x86_64 -name "$name" -machine q35 -accel "$(accel)" -cpu "$(cpu_model)" \
    -m "$memory" -smp "$cpus" -display none -serial "file:$d/console.log" -monitor none \
    -daemonize -pidfile "$d/pid" \
    -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 net.ifnames=0 quiet systemd.hostname=$name ip=198.51.100.15::198.51.100.2:255.255.255.128::eth0:off ip=192.0.2.$((10 + k)):::255.255.255.0::eth1:off$cg" \
    -drive "file=$d/root.qcow2,if=virtio,format=qcow2,cache=unsafe" \
    -drive "file=$d/osd.qcow2,if=virtio,format=qcow2,cache=unsafe" \
    -device virtio-rng-pci \
    -netdev "user,id=mgmt,net=198.51.100.0/25,restrict=on,$fwd" -device virtio-net-pci,netdev=mgmt \
    -netdev "socket,id=cluster,mcast=$mcast,localaddr=127.0.0.1" \
    -device "virtio-net-pci,netdev=cluster,mac=52:54:00:c0:02:$(printf %02x $((10 + k)))"
}

wait_ssh() {  # wait_ssh NAME...: until each answers over ssh (or 600 s)
  local name k deadline=$((SECONDS + 600))
  for name in "$@"; do
    k=$(index "$name")
    # shellcheck disable=SC2046
    until ssh $(ssh_opts) -p $((2200 + k)) root@$ns_ip true 2>/dev/null; do
      running "$name" || die "$name stopped while booting (console: $vm_dir/$name/console.log)"
      [ "$SECONDS" -lt "$deadline" ] || die "$name: no ssh after 600 s (console: $vm_dir/$name/console.log)"
      sleep 3
    done
  done
}

inventory() {  # the inventory of every node made so far
  local f=$vm_dir/inventory.yml name k managers="" workers=""
  for name in $(nodes); do
    k=$(index "$name")
    if [ "$k" -le 3 ]; then managers+="        $name:"$'\n'; else workers+="        $name:"$'\n'; fi
  done
  {
    echo "# Written by provisioning/vm/cluster.sh: the VMs of $vm_dir."
    echo "all:"
    echo "  vars:"
    echo "    ansible_user: root"
    echo "    ansible_host: $ns_ip"
    echo "    ansible_ssh_private_key_file: $key"
    echo "    ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
    echo "    cluster_interface: eth1"
    echo "    cluster_network: 192.0.2.0/24"
    echo "    vip: 192.0.2.100"
    echo "    osd_device: /dev/vdb"
    echo "    secrets_dir: $vm_dir/secrets"
    echo "    swarmscope_image_dir: $vm_dir/images"
    echo "    # Images built here from Debian's packages (provisioning/vm/cluster.sh images):"
    echo "    # Grafana's and traefik's are not packaged by Debian, so those two are left out."
    echo "    stacks: [swarmscope, monitoring, registry]"
    echo "    grafana_enabled: false"
    echo "    stack_env:"
    echo "      COLLECTOR_IMAGE: swarmscope:ceph"
    echo "      PROMETHEUS_IMAGE: swarmscope-test/prometheus:deb"
    echo "      ALERTMANAGER_IMAGE: swarmscope-test/alertmanager:deb"
    echo "      NODE_EXPORTER_IMAGE: swarmscope-test/node-exporter:deb"
    echo "      REGISTRY_IMAGE: swarmscope-test/registry:deb"
    echo "      # Volumes local to their node: Prometheus, Alertmanager and the registry on node3"
    echo "      # (its label services=true; the only node that gets their images)."
    echo "      PROMETHEUS_CONSTRAINT: node.labels.services == true"
    echo "      ALERTMANAGER_CONSTRAINT: node.labels.services == true"
    echo "      REGISTRY_CONSTRAINT: node.labels.services == true"
    echo "    # Emulated CPUs keep poor time and stall for seconds when the host is busy: no NTP"
    echo "    # here, and longer leases, or the mons keep calling elections and commit nothing."
    echo "    ceph_extra_config:"
    echo "      mon clock drift allowed: 2"
    echo "      mon lease: 15"
    echo "      mon election timeout: 20"
    echo "      osd heartbeat grace: 40"
    echo "      osd memory target: 939524096"
    echo "  hosts:"
    for name in $(nodes); do
      k=$(index "$name")
      echo "    $name:"
      echo "      ansible_port: $((2200 + k))"
      echo "      cluster_address: 192.0.2.$((10 + k))"
      echo "      vrrp_priority: $((160 - 10 * k))"
      [ "$k" -ne 3 ] || echo "      swarm_labels: {services: \"true\"}"
    done
    echo "  children:"
    echo "    managers:"
    echo "      hosts:"
    printf '%s' "$managers"
    echo "    workers:"
    echo "      hosts:"
    printf '%s' "$workers"
    echo "    ceph_mons:"
    echo "      children: {managers: {}}"
    echo "    ceph_mgrs:"
    echo "      hosts: {node1: {}, node2: {}}"
    echo "    ceph_mds:"
    echo "      hosts: {node1: {}, node2: {}}"
    echo "    ceph_osds:"
    echo "      children: {managers: {}, workers: {}}"
    echo "    keepalived:"
    echo "      children: {managers: {}, workers: {}}"
  } >"$f.new"
  mv "$f.new" "$f"
}

cmd=${1:-}
shift || true
case "$cmd" in
  up)
    n=${1:-3}
    [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] || die "up: N is a number of nodes"
    bash "$repo/provisioning/install-deps.sh" packages qemu-system-x86 qemu-utils openssh-client
    bash "$here/node-image.sh" "$image"
    network_up
    names=()
    for k in $(seq "$n"); do names+=("node$k"); boot "node$k"; done
    inventory
    wait_ssh "${names[@]}"
    echo "cluster: ${names[*]} up; inventory $vm_dir/inventory.yml"
    ;;
  add)
    name=${1:?usage: $0 add NAME}
    [ -d "$vm_dir/$name" ] && die "$name exists"
    network_up
    boot "$name"
    inventory
    wait_ssh "$name"
    ;;
  start)
    name=${1:?usage: $0 start NAME}
    [ -d "$vm_dir/$name" ] || die "no node $name"
    network_up
    boot "$name"
    wait_ssh "$name"
    ;;
  stop)
    poweroff "${1:?usage: $0 stop NAME}"
    ;;
  ssh)
    name=${1:?usage: $0 ssh NAME [CMD...]}
    shift
    k=$(index "$name")
    # shellcheck disable=SC2046
    exec ssh $(ssh_opts) -p $((2200 + k)) root@$ns_ip "$@"
    ;;
  inventory) inventory; cat "$vm_dir/inventory.yml" ;;
  images)
    binary=()
    [ -z "${1:-}" ] || binary=(--binary "$1")
    bash "$repo/provisioning/build-image.sh" "${binary[@]}" --with-ceph >/dev/null
    bash "$repo/provisioning/debian-images.sh" build "$vm_dir/debs" >/dev/null
    bash "$repo/provisioning/debian-images.sh" registry "$vm_dir/debs" >/dev/null
    bash "$repo/provisioning/workload-image.sh" "$vm_dir/debs/busybox-image"
    # The global services' images go to every node, the others only to node3, where the
    # inventory's constraints put them.
    bash "$repo/provisioning/images.sh" save "$vm_dir/images" swarmscope:ceph \
      swarmscope-test/node-exporter:deb swarmscope-test/busybox:1 \
      swarmscope-test/prometheus:deb=node3 swarmscope-test/alertmanager:deb=node3 \
      swarmscope-test/registry:deb=node3
    ;;
  provision)
    cd "$repo/provisioning/ansible"
    exec ansible-playbook -i "$vm_dir/inventory.yml" site.yml "$@"
    ;;
  status)
    for name in $(nodes); do
      if running "$name"; then echo "$name running (pid $(cat "$vm_dir/$name/pid"))"; else echo "$name stopped"; fi
    done
    ;;
  down)
    for name in $(nodes); do poweroff "$name"; rm -rf "${vm_dir:?}/$name"; done
    rm -f "$vm_dir/inventory.yml"
    ip netns list | grep -qw "$netns" && ip netns delete "$netns"
    ip link show "${netns:0:10}-h" >/dev/null 2>&1 && ip link delete "${netns:0:10}-h"
    true
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
