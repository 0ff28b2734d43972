#!/usr/bin/env bash
# Checks Grafana dashboards against Grafana's published types: npm @grafana/schema at the
# version of the monitoring stack's Grafana (stacks/monitoring/grafana.yml), with TypeScript.
# Each dashboard is written as a typed TypeScript object literal (schema_ts.js; the types
# are grafana_panels.ts) and `tsc --noEmit --strict` checks them all in one run: unknown
# keys, values outside a type's enum, wrong types, a panel type that is not a core panel.
# It is not Grafana: it does not run queries or migrate old dashboards.
#   tests/dashboards/schema_check.sh --cache DIR [DASHBOARD.json...]
#   SCHEMA_CHECK_CACHE=DIR tests/dashboards/schema_check.sh [DASHBOARD.json...]
# DIR (ctest: <build>/npm-schema) holds the npm packages, installed there on the first run
# (this needs the npm registry) and reused while they are the pinned versions. Without
# files, every dashboards/*.json; none there is a failure. Exit 0 when every file passes.
# SCHEMA_CHECK_KEEP=1 keeps the generated .ts files (their folder is printed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
grafana_schema_version=11.2.2 # grafana/grafana:11.2.2 in stacks/monitoring/grafana.yml
typescript_version=5.4.5      # the TypeScript @grafana/schema 11.2.2 was built with

cache=${SCHEMA_CHECK_CACHE:-}
if [ "${1:-}" = "--cache" ]; then
  cache=${2:?--cache needs a directory}
  shift 2
fi
if [ -z "$cache" ]; then
  echo "usage: $0 --cache DIR [DASHBOARD.json...] (or SCHEMA_CHECK_CACHE=DIR)" >&2
  exit 2
fi
for tool in node npm flock; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: $tool not found (provisioning/install-deps.sh test installs it)" >&2
    exit 1
  fi
done

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  shopt -s nullglob
  files=("$repo"/dashboards/*.json)
  shopt -u nullglob
  if [ ${#files[@]} -eq 0 ]; then
    echo "FAIL: no dashboard in $repo/dashboards/*.json to check" >&2
    exit 1
  fi
fi
for f in "${files[@]}"; do
  if [ ! -f "$f" ]; then
    echo "FAIL: $f: no such file" >&2
    exit 1
  fi
done

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
now_ms() { echo $(($(date +%s%N) / 1000000)); }
since() {  # since START_MS: seconds since then, one decimal
  local ms=$(($(now_ms) - $1))
  printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}
installed() {  # installed PACKAGE: its version in the cache, or nothing
  node -e 'try { console.log(require(process.argv[1]).version) } catch (e) {}' \
    "$cache/node_modules/$1/package.json"
}
# One install at a time in a cache (ctest runs the check and its self-test in parallel).
exec 9>"$cache/.lock"
flock 9
if [ "$(installed @grafana/schema)" != "$grafana_schema_version" ] ||
  [ "$(installed typescript)" != "$typescript_version" ]; then
  start=$(now_ms)
  if ! npm install --no-audit --no-fund --prefix "$cache" \
    "@grafana/schema@$grafana_schema_version" "typescript@$typescript_version" >"$cache/npm-install.log" 2>&1; then
    cat "$cache/npm-install.log" >&2
    echo "FAIL: npm install into $cache (log above)" >&2
    exit 1
  fi
  echo "installed @grafana/schema $grafana_schema_version and typescript $typescript_version" \
    "into $cache in $(since "$start") s"
fi
flock -u 9

# The .ts files go under the cache, so that their imports find its node_modules.
mkdir -p "$cache/runs"
work=$(mktemp -d "$cache/runs/check.XXXXXX")
if [ "${SCHEMA_CHECK_KEEP:-}" = 1 ]; then
  echo "generated files kept in $work"
else
  trap 'rm -rf "$work"' EXIT
fi
cp "$here/grafana_panels.ts" "$work/"
node "$here/schema_ts.js" gen "$work" "${files[@]}"
start=$(now_ms)
tsc_status=0
(cd "$work" && node "$cache/node_modules/typescript/bin/tsc" -p tsconfig.json --noEmit --strict --pretty false) \
  >"$work/tsc.out" 2>&1 || tsc_status=$?
seconds=$(since "$start")
status=0
node "$here/schema_ts.js" report "$work" "$work/tsc.out" "$tsc_status" || status=$?
printf 'schema check (@grafana/schema %s, tsc %s): %d files, tsc took %s s: %s\n' \
  "$grafana_schema_version" "$typescript_version" "${#files[@]}" "$seconds" \
  "$([ "$status" -eq 0 ] && echo ok || echo FAILED)"
exit "$status"
