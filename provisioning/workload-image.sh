#!/usr/bin/env bash
# A small workload image, FROM scratch with Debian's busybox (no registry): for the tests'
# workloads and for trying a cluster out.
#   provisioning/workload-image.sh DIR [TAG]   # build context in DIR; TAG swarmscope-test/busybox:1
# The Docker CLI is $DOCKER (default: docker).
set -euo pipefail
ctx=${1:?usage: $0 DIR [TAG]}
tag=${2:-swarmscope-test/busybox:1}
[ -x /bin/busybox ] || bash "$(dirname "$0")/install-deps.sh" packages busybox-static
mkdir -p "$ctx/rootfs/bin"
cp /bin/busybox "$ctx/rootfs/bin/busybox"
for a in sh sleep dd cat head true false; do ln -sf busybox "$ctx/rootfs/bin/$a"; done
printf 'FROM scratch\nCOPY rootfs/ /\nCMD ["/bin/sleep", "3600"]\n' >"$ctx/Dockerfile"
DOCKER_BUILDKIT=0 "${DOCKER:-docker}" build -q -t "$tag" "$ctx" >/dev/null
