#!/usr/bin/env bash
# Builds the swarmscope image FROM scratch, offline: the collector binary (stripped), the
# libraries it links, the loader and a minimal /etc. No registry is contacted: nothing is
# pulled, the classic builder copies a local root filesystem.
#   provisioning/build-image.sh                 # builds the collector (Release), then the image
#   provisioning/build-image.sh --binary PATH   # packages an existing build
#   provisioning/build-image.sh --tag NAME:TAG  # default swarmscope:<version>, also :latest
#   provisioning/build-image.sh --with-ceph     # also NAME:TAG-ceph and NAME:ceph (see below)
# --with-ceph adds an image for the ceph collector: FROM the one above plus one layer with
# librados.so.2 and the libraries it needs that the base lacks (Debian's librados2, installed
# if missing). The collector dlopen()s librados only with --collector.ceph, so the default
# image stays without it and is built exactly as without --with-ceph.
# The Docker CLI is $DOCKER (default: docker), talking to $DOCKER_HOST as usual.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
binary=
tag=
with_ceph=false
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --binary=*) binary=${1#*=}; shift ;;
    --tag) tag=$2; shift 2 ;;
    --tag=*) tag=${1#*=}; shift ;;
    --with-ceph) with_ceph=true; shift ;;
    *) echo "usage: $0 [--binary PATH] [--tag NAME:TAG] [--with-ceph]" >&2; exit 2 ;;
  esac
done
docker_cli=${DOCKER:-docker}

if [ -z "$binary" ]; then
  bash "$repo/provisioning/install-deps.sh" build
  cmake -S "$repo" -B "$repo/build/release" -DCMAKE_BUILD_TYPE=Release -DSWARMSCOPE_TESTS=OFF >/dev/null
  cmake --build "$repo/build/release" -j"$(nproc)" --target swarmscope >/dev/null
  binary=$repo/build/release/swarmscope
fi
[ -x "$binary" ] || { echo "build-image: $binary is not an executable" >&2; exit 1; }
librados=/usr/lib/x86_64-linux-gnu/librados.so.2
if "$with_ceph" && [ ! -e "$librados" ]; then
  bash "$repo/provisioning/install-deps.sh" packages librados2
fi
source "$repo/provisioning/image-lib.sh"

# "swarmscope 0.1.0 (revision abc1234)"
read -r _ version _ revision < <("$binary" --version)
revision=${revision%)}
tag=${tag:-swarmscope:$version}

ctx=$(mktemp -d /tmp/swarmscope-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/rootfs"
strip --strip-unneeded -o "$ctx/swarmscope" "$binary"
bash "$repo/provisioning/scratch-rootfs.sh" "$ctx/rootfs" "$ctx/swarmscope:/swarmscope"

cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
COPY rootfs/ /
EXPOSE 9338
# Reads the same SWARMSCOPE_* environment as the daemon, so it asks the right port.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \\
  CMD ["/swarmscope", "--healthcheck"]
ENTRYPOINT ["/swarmscope"]
$(oci_labels swarmscope "Swarm-native metrics collector: cgroups, Docker, Ceph and keepalived as Prometheus metrics" \
  "$version" "$revision")
DOCKERFILE

build_image "$ctx" "$tag" "${tag%%:*}:latest"
size=$image_size

"$with_ceph" || exit 0

# The ceph variant. librados.so.2 goes in under its soname (the dereferenced file), in the
# loader's default path, so dlopen("librados.so.2") finds it without /etc/ld.so.cache;
# libceph-common.so.2 is found through librados' RUNPATH (/usr/lib/x86_64-linux-gnu/ceph).
# Nothing else is needed at run time: a client loads none of ceph-common's plugins
# (compressor/, crypto/, erasure-code/: cephx uses libcrypto directly), writes no log file
# and opens no admin socket of its own unless ceph.conf asks for them.
rados_version=$(dpkg-query -W -f='${Version}' librados2 2>/dev/null || echo unknown)
ceph_tag=$tag-ceph
mkdir -p "$ctx/ceph/rootfs"
bash "$repo/provisioning/scratch-rootfs.sh" --base "$ctx/rootfs" "$ctx/ceph/rootfs" "$librados"

cat >"$ctx/ceph/Dockerfile" <<DOCKERFILE
FROM $tag
COPY rootfs/ /
LABEL org.opencontainers.image.created="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \\
      org.opencontainers.image.base.name="$tag" \\
      io.swarmscope.librados.version="$rados_version"
DOCKERFILE

build_image "$ctx/ceph" "$ceph_tag" "${tag%%:*}:ceph" "librados $rados_version"
echo "the librados layer: +$(((image_size - size) / 1024 / 1024)) MiB"
