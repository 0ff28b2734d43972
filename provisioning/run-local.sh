#!/usr/bin/env bash
# Installs what is missing, builds swarmscope and runs it on this host with working
# defaults (listening on :9338, /metrics). Extra arguments are passed to the daemon:
#   provisioning/run-local.sh --log.level=debug
set -euo pipefail
cd "$(dirname "$0")/.."
bash provisioning/install-deps.sh build
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DSWARMSCOPE_TESTS=OFF >/dev/null
cmake --build build/release -j"$(nproc)" --target swarmscope
exec build/release/swarmscope "$@"
