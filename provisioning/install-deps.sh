#!/usr/bin/env bash
# Installs the Debian 12 packages swarmscope needs, and only those that are missing.
#   provisioning/install-deps.sh build   # to build and run the collector
#   provisioning/install-deps.sh test    # to build and run every test and benchmark
#   provisioning/install-deps.sh packages PKG...   # these (the image build scripts' extras)
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config git
  libboost1.81-dev libboost-program-options1.81-dev
  prometheus-cpp-dev nlohmann-json3-dev libcurl4-openssl-dev zlib1g-dev
  librados-dev                      # the ceph exporter (its C header; librados is opened at run time)
)
test_pkgs=(
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev          # libFuzzer and sanitizers
  clang-format clang-tidy           # tests/style_check.sh
  prometheus                        # promtool and a real Prometheus
  wrk curl procps iproute2 python3 python3-yaml
  docker.io busybox-static          # a real dockerd and swarm, test images FROM scratch
  docker-compose yamllint           # stack file schema and YAML checks
  apache2-utils openssl             # htpasswd files and certificates (tests/integration/registry_test.sh)
  ceph-mon ceph-mgr ceph-osd ceph-mds ceph-common ceph-mgr-modules-core  # a real test cluster
  keepalived nftables               # real VRRP in network namespaces (tests/keepalived/lab.sh)
  nodejs npm                        # tests/dashboards/schema_check.sh (npm @grafana/schema, typescript)
  ansible-core ansible ansible-lint ruby  # provisioning/ansible (community.docker), its lint, the Vagrantfile's syntax
  qemu-system-x86 qemu-utils mmdebstrap openssh-client  # the VM cluster (provisioning/vm, tests/provisioning)
)

mode=${1:-build}
case "$mode" in
  build) wanted=("${build_pkgs[@]}") ;;
  test) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  packages) shift; wanted=("$@") ;;
  *) echo "usage: $0 build|test|packages PKG..." >&2; exit 2 ;;
esac

# A package counts as there when it is installed, or when an installed package provides it
# (a Node.js build that ships npm provides npm, and conflicts with Debian's).
provided=" $(dpkg-query -W -f='${db:Status-Abbrev}|${Provides}\n' 2>/dev/null |
  sed -n 's/^ii *|//p' | tr ',' '\n' | sed -E 's/\(.*\)//; s/^ +| +$//g' | tr '\n' ' ') "
missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' &&
    [[ "$provided" != *" $p "* ]]; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q >/dev/null
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
