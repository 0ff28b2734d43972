#!/usr/bin/env bash
# Builds the swarmscope image FROM scratch, offline: the collector binary (stripped), the
# libraries it links, the loader and a minimal /etc. No registry is contacted: nothing is
# pulled, the classic builder copies a local root filesystem.
#   provisioning/build-image.sh                 # builds the collector (Release), then the image
#   provisioning/build-image.sh --binary PATH   # packages an existing build
#   provisioning/build-image.sh --tag NAME:TAG  # default swarmscope:<version>, also :latest
# The Docker CLI is $DOCKER (default: docker), talking to $DOCKER_HOST as usual.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
binary=
tag=
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --binary=*) binary=${1#*=}; shift ;;
    --tag) tag=$2; shift 2 ;;
    --tag=*) tag=${1#*=}; shift ;;
    *) echo "usage: $0 [--binary PATH] [--tag NAME:TAG]" >&2; exit 2 ;;
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
LABEL org.opencontainers.image.title="swarmscope" \\
      org.opencontainers.image.description="Swarm-native metrics collector: cgroups, Docker, Ceph and keepalived as Prometheus metrics" \\
      org.opencontainers.image.version="$version" \\
      org.opencontainers.image.revision="$revision" \\
      org.opencontainers.image.created="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \\
      org.opencontainers.image.base.name="scratch"
DOCKERFILE

DOCKER_BUILDKIT=0 "$docker_cli" build -q -t "$tag" -t "${tag%%:*}:latest" "$ctx" >/dev/null
size=$("$docker_cli" image inspect --format '{{.Size}}' "$tag")
echo "built $tag (and ${tag%%:*}:latest): $((size / 1024 / 1024)) MiB ($size bytes)"
