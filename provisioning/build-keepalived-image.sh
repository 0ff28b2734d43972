#!/usr/bin/env bash
# Builds the keepalived image for stacks/keepalived FROM scratch, offline: Debian's
# keepalived (installed if missing) with the libraries it links, a shell (dash) and sleep for
# provisioning/keepalived-run.sh, its entry point, which refreshes keepalived's dumps for
# swarmscope. Like provisioning/build-image.sh, nothing is pulled.
#   provisioning/build-keepalived-image.sh                 # swarmscope-keepalived:<version>, :latest
#   provisioning/build-keepalived-image.sh --tag NAME:TAG
# The Docker CLI is $DOCKER (default: docker), talking to $DOCKER_HOST as usual.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tag=
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag=$2; shift 2 ;;
    --tag=*) tag=${1#*=}; shift ;;
    *) echo "usage: $0 [--tag NAME:TAG]" >&2; exit 2 ;;
  esac
done
docker_cli=${DOCKER:-docker}

[ -x /usr/sbin/keepalived ] || bash "$repo/provisioning/install-deps.sh" packages keepalived
source "$repo/provisioning/image-lib.sh"
version=$(dpkg-query -W -f='${Version}' keepalived)
tag=${tag:-swarmscope-keepalived:${version%%-*}}

ctx=$(mktemp -d /tmp/swarmscope-keepalived-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/rootfs"
bash "$repo/provisioning/scratch-rootfs.sh" "$ctx/rootfs" /usr/sbin/keepalived /bin/dash:/bin/sh /bin/sleep \
  "$repo/provisioning/keepalived-run.sh:/usr/local/bin/keepalived-run"
mkdir -p "$ctx/rootfs/etc/keepalived" "$ctx/rootfs/run/keepalived-dumps"

cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
COPY rootfs/ /
ENTRYPOINT ["/usr/local/bin/keepalived-run"]
$(oci_labels swarmscope-keepalived "keepalived (Debian $version) whose dumps are refreshed for swarmscope" "$version")
DOCKERFILE

build_image "$ctx" "$tag" "${tag%%:*}:latest"
