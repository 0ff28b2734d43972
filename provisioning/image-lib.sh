# shellcheck shell=bash
# Shared by the image build scripts (provisioning/build-image.sh,
# provisioning/build-keepalived-image.sh); sourced, needs $docker_cli.

# oci_labels TITLE DESCRIPTION VERSION [REVISION]: the LABEL instruction of a FROM scratch
# image, for its Dockerfile.
oci_labels() {
  printf 'LABEL org.opencontainers.image.title="%s" \\\n' "$1"
  printf '      org.opencontainers.image.description="%s" \\\n' "$2"
  printf '      org.opencontainers.image.version="%s" \\\n' "$3"
  [ -z "${4:-}" ] || printf '      org.opencontainers.image.revision="%s" \\\n' "$4"
  printf '      org.opencontainers.image.created="%s" \\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf '      org.opencontainers.image.base.name="scratch"\n'
}

# build_image CONTEXT TAG ALIAS [NOTE]: builds CONTEXT's Dockerfile with the classic builder
# (offline: nothing is pulled), tagged TAG and ALIAS; prints its size and sets image_size.
build_image() {
  DOCKER_BUILDKIT=0 "$docker_cli" build -q -t "$2" -t "$3" "$1" >/dev/null
  image_size=$("$docker_cli" image inspect --format '{{.Size}}' "$2")
  echo "built $2 (and $3${4:+, $4}): $((image_size / 1024 / 1024)) MiB ($image_size bytes)"
}
