#!/usr/bin/env bash
# Local images of Prometheus, Alertmanager and node-exporter built from Debian's packages,
# for tests on a machine that reaches no registry (shared/recipes/docker-swarm.md): the .deb
# files are fetched from the Debian mirror with `apt-get download`, unpacked with dpkg-deb,
# and each binary is packaged FROM scratch (provisioning/scratch-rootfs.sh).
#   provisioning/debian-images.sh extract DIR   # unpack only: DIR/root/usr/bin/{promtool,amtool,...}
#   provisioning/debian-images.sh build DIR     # also build the images, print their tags
#   provisioning/debian-images.sh registry DIR  # only the registry's image (docker-registry)
# Images: swarmscope-test/prometheus:deb, swarmscope-test/alertmanager:deb,
# swarmscope-test/node-exporter:deb, with the upstream images' entrypoints (/bin/prometheus,
# /bin/alertmanager, /bin/node_exporter) so a stack file works with either.
# swarmscope-test/registry:deb (`registry`): Debian's docker-registry (distribution 2.8) as
# /bin/registry, the entrypoint of the upstream registry:2 image's `registry` binary, with
# the package's /etc/docker/registry/config.yml, in its own DIR/registry.
set -euo pipefail
cmd=${1:?usage: $0 extract|build|registry DIR}
dir=${2:?usage: $0 extract|build|registry DIR}
repo=$(cd "$(dirname "$0")/.." && pwd)
docker_cli=${DOCKER:-/usr/bin/docker}
[ -x "$docker_cli" ] || docker_cli=docker

if [ "$cmd" = registry ]; then
  reg="$dir/registry"
  mkdir -p "$reg/debs" "$reg/root"
  if ! ls "$reg"/debs/docker-registry_*.deb >/dev/null 2>&1; then
    fetch() { (cd "$reg/debs" && apt-get download -q docker-registry 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true); }
    fetch
    ls "$reg"/debs/docker-registry_*.deb >/dev/null 2>&1 || { apt-get update -q >/dev/null; fetch; }
    ls "$reg"/debs/docker-registry_*.deb >/dev/null 2>&1 || { echo "debian-images: could not download docker-registry" >&2; exit 1; }
  fi
  [ -x "$reg/root/usr/bin/docker-registry" ] || dpkg-deb -x "$reg"/debs/docker-registry_*.deb "$reg/root"
  ctx="$reg/image"
  rm -rf "$ctx"
  mkdir -p "$ctx/rootfs/etc/docker/registry" "$ctx/rootfs/var/lib/registry"
  bash "$repo/provisioning/scratch-rootfs.sh" "$ctx/rootfs" "$reg/root/usr/bin/docker-registry:/bin/registry"
  cp "$reg/root/etc/docker/registry/config.yml" "$ctx/rootfs/etc/docker/registry/config.yml"
  printf 'FROM scratch\nCOPY rootfs/ /\nENTRYPOINT ["/bin/registry"]\nCMD ["serve", "/etc/docker/registry/config.yml"]\n' >"$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 "$docker_cli" build -q -t swarmscope-test/registry:deb "$ctx" >/dev/null
  echo swarmscope-test/registry:deb
  exit 0
fi
packages=(prometheus prometheus-alertmanager prometheus-node-exporter)

mkdir -p "$dir/debs" "$dir/root"
if ! ls "$dir"/debs/prometheus-node-exporter_*.deb >/dev/null 2>&1; then
  # apt-get download writes into the current directory; _apt cannot write to a private
  # temporary directory, which only costs a warning.
  download() { (cd "$dir/debs" && apt-get download -q "${packages[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true); }
  download
  # A machine whose package lists were never fetched (or were cleaned) knows no candidate.
  if ! ls "$dir"/debs/prometheus-node-exporter_*.deb >/dev/null 2>&1; then
    apt-get update -q >/dev/null
    download
  fi
  for p in "${packages[@]}"; do
    ls "$dir/debs/${p}"_*.deb >/dev/null 2>&1 || { echo "debian-images: could not download $p" >&2; exit 1; }
  done
fi
if [ ! -x "$dir/root/usr/bin/prometheus-node-exporter" ]; then
  for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
fi
[ "$cmd" = extract ] && exit 0
[ "$cmd" = build ] || { echo "usage: $0 extract|build|registry DIR" >&2; exit 2; }

# image NAME BINARY ENTRY [DIRECTORY...]: an empty DIRECTORY, or the package's own files
# under it when the package has that directory.
image() {
  local name=$1 binary=$2 entry=$3
  shift 3
  local ctx="$dir/image-$name"
  rm -rf "$ctx"
  mkdir -p "$ctx/rootfs"
  bash "$repo/provisioning/scratch-rootfs.sh" "$ctx/rootfs" "$dir/root/usr/bin/$binary:$entry"
  for d in "$@"; do
    mkdir -p "$ctx/rootfs$d"
    if [ -d "$dir/root$d" ]; then cp -r "$dir/root$d/." "$ctx/rootfs$d/"; fi
  done
  printf 'FROM scratch\nCOPY rootfs/ /\nENTRYPOINT ["%s"]\n' "$entry" >"$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 "$docker_cli" build -q -t "swarmscope-test/$name:deb" "$ctx" >/dev/null
  echo "swarmscope-test/$name:deb"
}
image prometheus prometheus /bin/prometheus /prometheus /etc/prometheus
# Debian's alertmanager reads its default notification templates from /usr/share.
image alertmanager prometheus-alertmanager /bin/alertmanager /alertmanager /etc/alertmanager \
  /usr/share/prometheus/alertmanager
image node-exporter prometheus-node-exporter /bin/node_exporter
