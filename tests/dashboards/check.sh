#!/usr/bin/env bash
# The dashboards (dashboards/*.json) against their source and their checks: the committed JSON
# is what dashboards/generate.py renders, lint.py (structure, datasource variable, core
# panels, units, $__rate_interval, queries parse, metrics documented, also for the rules),
# and the panel query unit tests (panel_tests.py, promtool test rules). Each check is also
# shown a broken copy, which it must reject.
#   tests/dashboards/check.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
CHECKS_NAME=dashboards source "$repo/tests/support/checks.sh"
rules=$repo/stacks/monitoring/prometheus/rules
fixture=$repo/tests/fixtures/ceph/pacific/mgr_metrics.prom
lint() {  # lint DASHBOARDS_DIR [RULES_DIR [README]]
  python3 "$here/lint.py" --dashboards "$1" --rules "${2:-$rules}" --readme "${3:-$repo/README.md}" \
    --ceph-fixture "$fixture"
}

python3 "$repo/dashboards/generate.py" --check
ok "the committed dashboards are what dashboards/src renders"
lint "$repo/dashboards"
ok "lint: dashboards and rules"
python3 "$here/panel_tests.py" --dashboards "$repo/dashboards" --tests "$here/panels"
ok "panel query unit tests (promtool test rules)"

# Broken copies: each must be rejected.
copy() { rm -rf "$WORK/d"; cp -r "$repo/dashboards" "$WORK/d"; }
edit() {  # edit FILE PYTHON: runs PYTHON with `d` the dashboard, writes it back
  python3 - "$WORK/d/$1" "$2" <<'PY'
import json, sys
path = sys.argv[1]
d = json.load(open(path))
panels = [p for p in d["panels"] if p["type"] != "row"]
exec(sys.argv[2])
json.dump(d, open(path, "w"), indent=2)
PY
}
copy
sed -i 's/"timeseries"/"graph"/' "$WORK/d/swarm-nodes.json"
must_fail_saying "a committed dashboard that differs from its source (generate.py --check)" 'differ from dashboards/src.*swarm-nodes.json' \
  python3 "$repo/dashboards/generate.py" --check --out="$WORK/d"
must_fail_saying "an Angular panel type (graph)" 'type .graph. is not a core panel' lint "$WORK/d"
copy; printf '{"title": "x", ' >"$WORK/d/broken.json"
must_fail_saying "a file that is not JSON" 'broken.json: not valid JSON' lint "$WORK/d"
copy; edit swarm-services.json 'panels[3]["datasource"] = {"type": "prometheus", "uid": "prometheus"}'
must_fail_saying "a panel on a fixed datasource uid" 'datasource is .*not the datasource variable' lint "$WORK/d"
copy; edit swarm-services.json 'panels[3]["targets"][0]["datasource"] = {"type": "prometheus", "uid": "P1"}'
must_fail_saying "a target on a fixed datasource uid" 'target not on the datasource variable' lint "$WORK/d"
copy; edit ceph.json 'd["templating"]["list"] = [v for v in d["templating"]["list"] if v["type"] != "datasource"]'
must_fail_saying "a dashboard without the datasource variable" 'ceph.json: no .datasource. variable' lint "$WORK/d"
copy; edit ceph.json 'panels[2]["id"] = panels[1]["id"]'
must_fail_saying "two panels with one id" 'used twice' lint "$WORK/d"
copy; edit ceph.json 'panels[2]["title"] = panels[1]["title"]'
must_fail_saying "two panels with one title" 'title empty or used twice' lint "$WORK/d"
copy; edit keepalived.json 'del panels[0]["fieldConfig"]["defaults"]["unit"]'
must_fail_saying "a panel without a unit" 'no unit' lint "$WORK/d"
copy; edit keepalived.json 'panels[0]["description"] = ""'
must_fail_saying "a panel without a description" 'no description' lint "$WORK/d"
copy; edit swarmscope.json 'panels[0]["targets"][0]["expr"] = "sum(up{job=\"swarmscope\"}"'
must_fail_saying "a query that does not parse" 'promtool does not parse' lint "$WORK/d"
copy; edit swarmscope.json 'panels[0]["targets"][0]["expr"] = "rate(process_cpu_seconds_total[5m])"'
must_fail_saying "rate() over a fixed window instead of \$__rate_interval" 'over \[5m\], not' lint "$WORK/d"
copy; edit swarmscope.json 'panels[0]["targets"][0]["expr"] = "sum(swarmscope_made_up_total)"'
must_fail_saying "a metric the README does not document" 'reads swarmscope_made_up_total' lint "$WORK/d"
copy; edit swarm-overview.json 'd["uid"] = "swarmscope-nodes"'
must_fail_saying "two dashboards with one uid" 'uid swarmscope-nodes also in' lint "$WORK/d"
copy; edit swarm-overview.json 'd["schemaVersion"] = 27'
must_fail_saying "another schemaVersion" 'schemaVersion 27' lint "$WORK/d"
copy; edit swarm-overview.json 'd["templating"]["list"][1]["query"]["query"] = "label_values(docker_swarm_made_up, stack)"'
must_fail_saying "a variable reading an undocumented metric" 'variable stack reads docker_swarm_made_up' lint "$WORK/d"
copy; mkdir -p "$WORK/r"; cp "$rules"/*.yml "$WORK/r/"
sed -i 's/ceph:ceph_health_status:max == 2/ceph_health_made_up == 2/' "$WORK/r/ceph.rules.yml"
must_fail_saying "an alert rule reading an undocumented metric" 'reads ceph_health_made_up' lint "$WORK/d" "$WORK/r"
# The panel tests: a changed query must fail its test, and a stat panel without a test.
copy; edit swarm-overview.json 'next(p for p in panels if p["title"] == "Nodes not ready")["targets"][0]["expr"] = "count(docker_swarm_node_info{state!=\"ready\"}) or vector(0)"'
must_fail_saying "a leader-written stat panel without the leader aggregation (panel_tests.py)" 'FAILED' \
  python3 "$here/panel_tests.py" --dashboards "$WORK/d" --tests "$here/panels"
mkdir -p "$WORK/t"; cp "$here"/panels/*.yml "$WORK/t/"
python3 - "$WORK/t/keepalived.yml" <<'PY'
import sys, yaml
p = sys.argv[1]
doc = yaml.safe_load(open(p))
for g in doc["groups"]:
    g["tests"] = [t for t in g["tests"] if t["panel"] != "VIP holders"]
yaml.safe_dump(doc, open(p, "w"))
PY
must_fail_saying "a stat panel without a unit test (panel_tests.py coverage)" 'VIP holders. target A .stat. has no unit test' \
  python3 "$here/panel_tests.py" --dashboards "$repo/dashboards" --tests "$WORK/t"

echo "dashboards check: $CHECKS checks passed"
