#!/usr/bin/env bash
# Builds the node image every VM of provisioning/vm/cluster.sh boots (and the Vagrant box):
# Debian 12 from Debian's packages only (mmdebstrap), with what a swarmscope node runs
# (docker.io, keepalived, Ceph's daemons, Python for Ansible) already installed, so nodes
# provision offline. Nothing in it is node-specific: the hostname and addresses come from
# the kernel command line, the machine id and ssh host keys are made at first boot.
#   provisioning/vm/node-image.sh DIR     # DIR/base.qcow2, DIR/vmlinuz, DIR/initrd.img,
#                                         # DIR/id_ed25519 (root's key on every node)
# Rebuilt only when this script changed since DIR was built (DIR/stamp holds its hash).
# Mirror: $DEBIAN_MIRROR (default http://deb.debian.org/debian) and its -security sibling.
set -euo pipefail
dir=${1:?usage: $0 DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
stamp=$(sha256sum "$here/node-image.sh" | cut -d' ' -f1)
if [ -f "$dir/base.qcow2" ] && [ "$(cat "$dir/stamp" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi
bash "$here/../install-deps.sh" packages mmdebstrap qemu-utils e2fsprogs openssh-client

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=(
  systemd-sysv udev dbus kmod linux-image-amd64 initramfs-tools zstd
  openssh-server iproute2 iputils-ping netbase ca-certificates procps less
  docker.io iptables apparmor
  keepalived
  ceph-mon ceph-mgr ceph-osd ceph-mds ceph-common ceph-mgr-modules-core lvm2
  python3 python3-apt python3-docker python3-yaml python3-jsondiff python3-requests
)
root="$dir/rootfs"
rm -rf "$root" "$dir/base.raw"
[ -f "$dir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C swarmscope-vm -f "$dir/id_ed25519"
pubkey=$(cat "$dir/id_ed25519.pub")

# The customize hook runs on the host with the new root as $1.
hook=$(cat <<EOF
set -e
r="\$1"
printf '/dev/vda / ext4 defaults,noatime 0 1\n' >"\$r/etc/fstab"
: >"\$r/etc/machine-id"
rm -f "\$r/var/lib/dbus/machine-id" "\$r"/etc/ssh/ssh_host_*
mkdir -p "\$r/root/.ssh"
printf '%s\n' '$pubkey' >"\$r/root/.ssh/authorized_keys"
chmod 700 "\$r/root/.ssh"; chmod 600 "\$r/root/.ssh/authorized_keys"
# Host keys of its own on every node, made before sshd starts.
cat >"\$r/etc/systemd/system/ssh-hostkeys.service" <<'UNIT'
[Unit]
Description=ssh host keys of this node
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key
[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A
[Install]
WantedBy=multi-user.target
UNIT
# The kernel command line's ip= configure cluster.sh's VMs; elsewhere (Vagrant) the first
# NIC asks DHCP (the generator's files in /run sort first and win where they exist).
printf '[Match]\nName=eth0\n[Network]\nDHCP=ipv4\n' >"\$r/etc/systemd/network/99-eth0-dhcp.network"
chroot "\$r" systemctl enable ssh-hostkeys.service systemd-networkd.service >/dev/null 2>&1
chroot "\$r" systemctl mask systemd-networkd-wait-online.service >/dev/null 2>&1
# Nothing resolves the outside world: a dead address on the private segment.
rm -f "\$r/etc/resolv.conf"
printf 'nameserver 192.0.2.254\noptions timeout:1 attempts:1\n' >"\$r/etc/resolv.conf"
printf 'MODULES=list\n' >"\$r/etc/initramfs-tools/conf.d/modules"
printf 'virtio_pci\nvirtio_blk\nvirtio_net\next4\n' >>"\$r/etc/initramfs-tools/modules"
chroot "\$r" update-initramfs -u -k all >/dev/null
# apt works only where a mirror is reachable (a user's own nodes): the VMs never need it.
printf 'deb $mirror bookworm main\ndeb $mirror bookworm-updates main\ndeb ${mirror%/debian}/debian-security bookworm-security main\n' >"\$r/etc/apt/sources.list"
rm -rf "\$r"/var/cache/apt/archives/*.deb "\$r"/var/lib/apt/lists/*
EOF
)

inc=$(IFS=,; echo "${packages[*]}")
mmdebstrap --variant=minbase --mode=root --format=directory --include="$inc" \
  --customize-hook="$hook" bookworm "$root" \
  "deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
  "deb ${mirror%/debian}/debian-security bookworm-security main" 2>"$dir/mmdebstrap.log" ||
  { tail -30 "$dir/mmdebstrap.log" >&2; echo "node-image: mmdebstrap failed ($dir/mmdebstrap.log)" >&2; exit 1; }

cp -L "$root/vmlinuz" "$dir/vmlinuz"
cp -L "$root/initrd.img" "$dir/initrd.img"
truncate -s 12G "$dir/base.raw"
mkfs.ext4 -q -F -L root -d "$root" "$dir/base.raw"
qemu-img convert -O qcow2 "$dir/base.raw" "$dir/base.qcow2.new"
mv "$dir/base.qcow2.new" "$dir/base.qcow2"
rm -rf "$root" "$dir/base.raw"
echo "$stamp" >"$dir/stamp"
echo "node image: $dir/base.qcow2 ($(du -h "$dir/base.qcow2" | cut -f1))"
