#!/usr/bin/env bash
# Saves what a real cluster answers, one file per command, as fixtures for the Ceph
# exporter's parsers:
#   tests/ceph/capture_fixtures.sh DIR OUTDIR
# DIR is a running cluster from tests/ceph/cluster.sh (it is briefly degraded: osd.0 is
# stopped for the *_osd_down files, then started again). OUTDIR/README.md lists the command
# behind every file and the Ceph version. The repository's copy is tests/fixtures/ceph/pacific/:
#   d=$(mktemp -d); tests/ceph/cluster.sh start $d
#   tests/ceph/capture_fixtures.sh $d tests/fixtures/ceph/pacific
#   tests/ceph/cluster.sh stop $d; rm -rf $d
set -euo pipefail
dir=${1:?usage: $0 DIR OUTDIR}
out=${2:?usage: $0 DIR OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
cluster=(bash "$here/cluster.sh")
[ -f "$dir/env" ] || { echo "capture_fixtures.sh: $dir/env is missing (run cluster.sh start)" >&2; exit 1; }
# shellcheck disable=SC1091
source "$dir/env"
mkdir -p "$out"
out=$(cd "$out" && pwd)

ceph_cli=(ceph --conf "$CEPH_CONF" --name client.admin --keyring "$CEPH_ADMIN_KEYRING")
# shellcheck disable=SC2016  # shown as written, for the README
shown_cli='ceph --conf $CEPH_CONF --name client.admin --keyring $CEPH_ADMIN_KEYRING'
readme_rows=()
refused=()

row() { readme_rows+=("| \`$1\` | \`$2\` |"); }

# cap FILE COMMAND...: the CLI's stdout, untouched, in OUTDIR/FILE.
cap() {
  local file=$1; shift
  "${ceph_cli[@]}" --format json "$@" >"$out/$file"
  row "$file" "$shown_cli --format json $*"
}

# cap_raw FILE COMMAND...: the same for output that is not valid JSON.
cap_raw() {
  local file=$1; shift
  "${ceph_cli[@]}" --format json "$@" >"$out/$file" 2>/dev/null
  row "$file" "$shown_cli --format json $* 2>/dev/null"
}

# cap_asok TYPE ID COMMAND...: an admin socket command; refused ones are noted, not saved.
cap_asok() {
  local type=$1 id=$2; shift 2
  local sock="$CEPH_RUN_DIR/ceph-$type.$id.asok" file err
  file="asok_${type}_$(echo "$*" | tr ' ' '_').json"
  if err=$(ceph --admin-daemon "$sock" --format json "$@" 2>&1 >"$out/$file.tmp"); then
    mv "$out/$file.tmp" "$out/$file"
    row "$file" "ceph --admin-daemon \$CEPH_RUN_DIR/ceph-$type.$id.asok --format json $*"
  else
    rm -f "$out/$file.tmp"
    refused+=("- \`$*\` on $type.$id: $(echo "$err" | tail -n 1)")
  fi
}

# wait_metrics TIMEOUT REGEX...: until the mgr's /metrics matches every REGEX. The module
# serves a text it rebuilds every 15 s, and the daemons' perf counters reach it a few
# seconds after they start.
wait_metrics() {
  local timeout=$1 text re ok; shift
  for _ in $(seq $((timeout * 4))); do
    text=$(curl -sf "$CEPH_MGR_METRICS" || true)
    ok=1
    for re in "$@"; do grep -qE "$re" <<<"$text" || { ok=0; break; }; done
    [ "$ok" = 1 ] && return 0
    sleep 0.25
  done
  echo "capture_fixtures.sh: the mgr's /metrics never matched all of: $*" >&2
  return 1
}

"${cluster[@]}" wait-health "$dir" HEALTH_OK 60
rm -f "$out"/*.json "$out"/*.txt "$out"/*.prom

cap status.json status
cap health.json health
cap health_detail.json health detail
cap df.json df
cap df_detail.json df detail
cap osd_dump.json osd dump
cap osd_tree.json osd tree
cap osd_pool_ls_detail.json osd pool ls detail
cap osd_crush_rule_dump.json osd crush rule dump
cap osd_crush_dump.json osd crush dump
cap mon_dump.json mon dump
cap quorum_status.json quorum_status
cap fs_dump.json fs dump
cap fs_status.json fs status
cap mgr_dump.json mgr dump
cap mgr_services.json mgr services
cap versions.json versions
cap osd_metadata.json osd metadata
cap mon_metadata.json mon metadata
cap mds_metadata.json mds metadata
cap mgr_metadata.json mgr metadata
cap osd_df.json osd df
cap osd_perf.json osd perf
cap osd_pool_stats.json osd pool stats
cap pg_dump_pgs_brief.json pg dump pgs_brief
cap pg_dump_pools.json pg dump pools
cap pg_dump_osds.json pg dump osds
cap pg_dump.json pg dump
cap pg_dump_pgs_brief_pools.json pg dump pgs_brief pools
cap_raw osd_blocklist_ls_empty.txt osd blocklist ls
# One entry, added and removed here (it raises no health check).
"${ceph_cli[@]}" osd blocklist add 127.0.0.1:0/3141592653 3600 2>/dev/null
cap_raw osd_blocklist_ls.txt osd blocklist ls
"${ceph_cli[@]}" osd blocklist rm 127.0.0.1:0/3141592653 2>/dev/null

for d in osd.0 mon.a mds.a mgr.x; do
  for c in "perf dump" "perf schema" "counter dump" "counter schema"; do
    # shellcheck disable=SC2086
    cap_asok "${d%%.*}" "${d#*.}" $c
  done
done

wait_metrics 40 '^ceph_health_status 0' '^ceph_osd_op_w\{ceph_daemon="osd.1"\}' \
  '^ceph_osd_op_w\{ceph_daemon="osd.0"\}' '^ceph_mds_caps\{' '^ceph_mon_num_sessions\{'
curl -sf "$CEPH_MGR_METRICS" >"$out/mgr_metrics.prom"
row mgr_metrics.prom "curl \$CEPH_MGR_METRICS   # the mgr prometheus module, HEALTH_OK"

# osd.0 down: SIGTERM, so it tells the mon itself and OSD_DOWN shows within about a second.
t0=${EPOCHREALTIME/[.,]/}
"${cluster[@]}" stop-daemon "$dir" osd.0
"${cluster[@]}" wait-health "$dir" HEALTH_WARN 60
down_ms=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
echo "capture_fixtures.sh: HEALTH_WARN ${down_ms} ms after SIGTERM to osd.0" >&2
cap health_detail_warn.json health detail
cap status_osd_down.json status
cap osd_dump_osd_down.json osd dump
cap osd_tree_osd_down.json osd tree
wait_metrics 30 '^ceph_osd_up\{ceph_daemon="osd.0"\} 0' '^ceph_health_status 1' 
curl -sf "$CEPH_MGR_METRICS" >"$out/mgr_metrics_osd_down.prom"
row mgr_metrics_osd_down.prom "curl \$CEPH_MGR_METRICS   # while osd.0 is stopped"
"${cluster[@]}" start-daemon "$dir" osd.0
"${cluster[@]}" wait-health "$dir" HEALTH_OK 60

version=$("${ceph_cli[@]}" version)
{
  cat <<EOF
# Ceph fixtures: $version

Raw output of real commands against the single-node test cluster of
\`tests/ceph/cluster.sh\` (mon.a, mgr.x with the prometheus module, osd.0 and osd.1 on
memstore, mds.a with the CephFS \`cephfs\`; pools device_health_metrics, data (rbd, 5
objects, quota 1000 objects / 100 MiB), cephfs_metadata, cephfs_data; one replica).
Made by \`tests/ceph/capture_fixtures.sh DIR OUTDIR\` on $(date -u +%Y-%m-%d); the CLI's
stdout, byte for byte. HEALTH_OK everywhere except the \`*_osd_down\` and
\`health_detail_warn\` files, captured while osd.0 was stopped (SIGTERM; HEALTH_WARN
${down_ms} ms later).

Quirks:
- \`osd_blocklist_ls*.txt\` are not valid JSON: Pacific prints the list, then \`[]\`
  (\`[][]\` when empty), after a newline. The one entry of \`osd_blocklist_ls.txt\` was
  added for the capture (\`osd blocklist add\`, removed again afterwards).
- \`mgr_metrics*.prom\`: Debian's 16.2.15 module repeats HELP and TYPE of
  \`ceph_pool_objects_repaired\` (once with no sample, then once per pool: a strict
  parser rejects the text). The module rebuilds its text every 15 s and serves that copy.
- The \`osd perf\`, \`osd df\`, \`osd pool stats\` and \`pg dump\` commands are served by the mgr.

| file | command |
|---|---|
EOF
  printf '%s\n' "${readme_rows[@]}"
  echo
  echo "Admin socket commands that Pacific refuses (not saved):"
  echo
  if [ ${#refused[@]} -eq 0 ]; then echo "- none"; else printf '%s\n' "${refused[@]}"; fi
} >"$out/README.md"
echo "capture_fixtures.sh: $(find "$out" -type f | wc -l) files, $(du -sh "$out" | cut -f1) in $out" >&2
