#!/usr/bin/env bash
# The node image (node-image.sh) as a local vagrant-libvirt box, for the Vagrantfile here:
#   provisioning/vm/vagrant-box.sh            # builds the image if needed, adds box swarmscope/node
# The box is the same qcow2 every VM of cluster.sh boots; vagrant-libvirt boots it with the
# kernel and initrd from the image (the box carries them), root's key is the image's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
image=${VM_DIR:-$repo/build/vms}/image
bash "$here/node-image.sh" "$image"
box=$(mktemp -d)
trap 'rm -rf "$box"' EXIT
cp --sparse=always "$image/base.qcow2" "$box/box.img"
cp "$image/vmlinuz" "$image/initrd.img" "$box/"
printf '{"provider": "libvirt", "format": "qcow2", "virtual_size": 24}\n' >"$box/metadata.json"
cat >"$box/Vagrantfile" <<'VF'
Vagrant.configure("2") do |config|
  config.vm.provider :libvirt do |lv|
    lv.driver = "qemu" unless File.writable?("/dev/kvm")
  end
end
VF
tar -C "$box" -czf "$box/swarmscope-node.box" metadata.json Vagrantfile box.img vmlinuz initrd.img
vagrant box add --force --name swarmscope/node "$box/swarmscope-node.box"
echo "vagrant box swarmscope/node added; root's ssh key: $image/id_ed25519"
