#!/usr/bin/env bash
# The images a cluster runs, as files the Ansible role `images` copies to the nodes (no
# public registry needed): one gzip'd `docker save` of all of them (shared layers once),
# DIR/images.tar.gz, and DIR/images.json (each image's name and id).
#   provisioning/images.sh save DIR IMAGE...   # from this machine's docker ($DOCKER)
# The archive is written again only when an image's id changed since the last save.
set -euo pipefail
cmd=${1:-}
dir=${2:-}
[ "$cmd" = save ] && [ -n "$dir" ] && [ $# -ge 3 ] || { echo "usage: $0 save DIR IMAGE..." >&2; exit 2; }
shift 2
docker_cli=${DOCKER:-docker}
mkdir -p "$dir"
entries=()
for image in "$@"; do
  id=$("$docker_cli" image inspect -f '{{.Id}}' "$image") || { echo "images: no image $image here" >&2; exit 1; }
  entries+=("$(printf '{"name": "%s", "id": "%s"}' "$image" "$id")")
done
json=$(IFS=,; printf '[%s]\n' "${entries[*]}")
if [ ! -f "$dir/images.tar.gz" ] || [ "$(cat "$dir/images.json" 2>/dev/null)" != "$json" ]; then
  "$docker_cli" save "$@" | gzip -1 >"$dir/images.tar.gz.new"
  mv "$dir/images.tar.gz.new" "$dir/images.tar.gz"
  printf '%s\n' "$json" >"$dir/images.json"
fi
echo "images: $# in $dir/images.tar.gz ($(du -h "$dir/images.tar.gz" | cut -f1))"
