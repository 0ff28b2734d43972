#!/usr/bin/env bash
# Fills a root filesystem for a `FROM scratch` image with dynamically linked programs: each
# file given, every library `ldd` lists for it (dereferenced, at the same path), the loader,
# and a minimal /etc (passwd, group, nsswitch.conf). shared/recipes/docker-swarm.md.
#   provisioning/scratch-rootfs.sh ROOTFS SOURCE[:DEST] ...
# SOURCE is copied to DEST inside ROOTFS (default: the same path as SOURCE).
set -euo pipefail
rootfs=${1:?usage: $0 ROOTFS SOURCE[:DEST] ...}
shift
[ $# -gt 0 ] || { echo "usage: $0 ROOTFS SOURCE[:DEST] ..." >&2; exit 2; }

copy() {  # copy SRC DEST: dereferenced, parents created
  mkdir -p "$rootfs$(dirname "$2")"
  cp -L "$1" "$rootfs$2"
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
      [ -e "$rootfs$lib" ] || copy "$lib" "$lib"
    done
  fi
done

mkdir -p "$rootfs/etc" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
printf 'root:x:0:0:root:/:/nonexistent\nnobody:x:65534:65534:nobody:/:/nonexistent\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
