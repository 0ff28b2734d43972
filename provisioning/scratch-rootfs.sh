#!/usr/bin/env bash
# Fills a root filesystem for a `FROM scratch` image with dynamically linked programs: each
# file given, every library `ldd` lists for it (dereferenced, at the same path), the loader,
# and a minimal /etc (passwd, group, nsswitch.conf). shared/recipes/docker-swarm.md.
#   provisioning/scratch-rootfs.sh [--base BASE] ROOTFS SOURCE[:DEST] ...
# SOURCE is copied to DEST inside ROOTFS (default: the same path as SOURCE).
# --base BASE fills ROOTFS as a layer on top of the root filesystem BASE (an image FROM
# one built by this script): libraries BASE already has are left out, and /etc and /tmp
# are not written, so the layer holds only what BASE lacks and replaces none of its files.
set -euo pipefail
usage="usage: $0 [--base BASE] ROOTFS SOURCE[:DEST] ..."
base=
case "${1:-}" in
  --base) base=${2:?$usage}; shift 2 ;;
  --base=*) base=${1#*=}; shift ;;
esac
[ -z "$base" ] || [ -d "$base" ] || { echo "scratch-rootfs: no such base root filesystem: $base" >&2; exit 1; }
rootfs=${1:?$usage}
shift
[ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }

copy() {  # copy SRC DEST: dereferenced, parents created
  mkdir -p "$rootfs$(dirname "$2")"
  cp -L "$1" "$rootfs$2"
}
present() {  # present PATH: ROOTFS, or the base it goes on, has PATH already
  [ -e "$rootfs$1" ] || { [ -n "$base" ] && [ -e "$base$1" ]; }
}

for spec in "$@"; do
  src=${spec%%:*}
  dest=${spec#*:}
  [ "$dest" != "$spec" ] || dest=$src
  [ -f "$src" ] || { echo "scratch-rootfs: no such file: $src" >&2; exit 1; }
  copy "$src" "$dest"
  # "not a dynamic executable" (static, scripts, data) has no libraries to add.
  if ldd "$src" >/dev/null 2>&1; then
    if ldd "$src" | grep -q 'not found'; then
      echo "scratch-rootfs: $src needs libraries that are not installed:" >&2
      ldd "$src" | grep 'not found' >&2
      exit 1
    fi
    ldd "$src" | grep -oE '/[^ ]+' | sort -u | while read -r lib; do
      present "$lib" || copy "$lib" "$lib"
    done
  fi
done

[ -z "$base" ] || exit 0
mkdir -p "$rootfs/etc" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
printf 'root:x:0:0:root:/:/nonexistent\nnobody:x:65534:65534:nobody:/:/nonexistent\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
