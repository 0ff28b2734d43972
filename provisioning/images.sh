#!/usr/bin/env bash
# The images a cluster runs, as files the Ansible role `images` copies to the nodes (no
# public registry needed): gzip'd `docker save` archives and DIR/images.json (each image's
# name, id, archive and nodes).
#   provisioning/images.sh save DIR IMAGE[=NODE,NODE...]...   # from this machine's docker ($DOCKER)
# An image with =NODE,... goes only to those nodes (those its service's constraint allows:
# no node extracts what it never runs); the others go to every node. Images bound for the
# same nodes share one archive (shared layers once). An archive is written again only when
# an image in it changed.
set -euo pipefail
cmd=${1:-}
dir=${2:-}
[ "$cmd" = save ] && [ -n "$dir" ] && [ $# -ge 3 ] || { echo "usage: $0 save DIR IMAGE[=NODE,...]..." >&2; exit 2; }
shift 2
docker_cli=${DOCKER:-docker}
mkdir -p "$dir"
declare -A members=()
entries=()
for arg in "$@"; do
  image=${arg%%=*}
  nodes=
  [ "$arg" = "$image" ] || nodes=${arg#*=}
  id=$("$docker_cli" image inspect -f '{{.Id}}' "$image") || { echo "images: no image $image here" >&2; exit 1; }
  file=images-${nodes:-all}.tar.gz
  file=${file//,/-}
  members[$file]="${members[$file]:-} $image"
  hosts=null
  [ -z "$nodes" ] || hosts="[\"${nodes//,/\", \"}\"]"
  entries+=("$(printf '{"name": "%s", "id": "%s", "file": "%s", "hosts": %s}' "$image" "$id" "$file" "$hosts")")
done
json=$(IFS=,; printf '[%s]\n' "${entries[*]}")
for file in "${!members[@]}"; do
  # shellcheck disable=SC2086
  ids=$("$docker_cli" image inspect -f '{{.Id}}' ${members[$file]} | tr '\n' ' ')
  if [ ! -f "$dir/$file" ] || [ "$(cat "$dir/$file.ids" 2>/dev/null)" != "$ids" ]; then
    # shellcheck disable=SC2086
    "$docker_cli" save ${members[$file]} | gzip -1 >"$dir/$file.new"
    mv "$dir/$file.new" "$dir/$file"
    echo "$ids" >"$dir/$file.ids"
  fi
done
printf '%s\n' "$json" >"$dir/images.json"
echo "images: $# in $dir ($(cd "$dir" && du -ch "${!members[@]}" | tail -1 | cut -f1))"
