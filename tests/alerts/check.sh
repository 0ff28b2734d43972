#!/usr/bin/env bash
# The alert rules (stacks/monitoring/prometheus/rules/) against their unit tests:
# promtool's lint, `promtool test rules` on every tests/alerts/*.test.yml, and coverage.py
# (every alert has severity, summary, description, runbook, a test where it fires and one
# where it stays silent). Each check is also shown a broken copy, which it must reject.
#   tests/alerts/check.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rules=$repo/stacks/monitoring/prometheus/rules
CHECKS_NAME=alerts source "$repo/tests/support/checks.sh"

promtool check rules --lint=all --lint-fatal "$rules"/*.yml >/dev/null
ok "promtool check rules --lint=all on $(ls "$rules"/*.yml | wc -l) rules files"
(cd "$here" && promtool test rules ./*.test.yml)
ok "promtool test rules: $(ls "$here"/*.test.yml | wc -l) test files"
python3 "$here/coverage.py" "$rules" "$here"
ok "every alert is documented and has a firing and a silent test"
python3 "$here/readme_alerts.py" "$rules" "$repo/README.md" --check
ok "the README's alerts table is the rules files'"

# Broken copies, in a tree of the same shape (the tests load ../../stacks/...).
copy() {  # copy: a fresh copy of the rules and tests under $WORK/tree
  rm -rf "$WORK/tree"
  mkdir -p "$WORK/tree/tests" "$WORK/tree/stacks/monitoring/prometheus"
  cp -r "$here" "$WORK/tree/tests/alerts"
  cp -r "$rules" "$WORK/tree/stacks/monitoring/prometheus/rules"
}
t=$WORK/tree/tests/alerts r=$WORK/tree/stacks/monitoring/prometheus/rules
# The leader's target labels kept by the recording rules: a leader change restarts `for:`.
copy
sed -i 's/max without(instance, swarm_node_id, swarm_node_name)/max without(swarm_node_id)/' "$r/swarm.rules.yml"
must_fail "swarm recording rules that keep the leader's instance (promtool test rules)" \
  bash -c "cd '$t' && promtool test rules swarm.test.yml"
copy
sed -i 's/ceph:ceph_health_status:max == 2/ceph_health_status == 2/' "$r/ceph.rules.yml"
must_fail "a Ceph alert on the leader's raw series (promtool test rules)" \
  bash -c "cd '$t' && promtool test rules ceph.test.yml"
copy
sed -i 's/sum by (vip) (keepalived_vip_present) > 1/sum by (vip) (keepalived_vip_present) > 2/' "$r/keepalived.rules.yml"
must_fail "a VIP-on-two-nodes alert that needs three (promtool test rules)" \
  bash -c "cd '$t' && promtool test rules keepalived.test.yml"
copy
python3 - "$t/containers.test.yml" <<'PY'
import sys, yaml
p = sys.argv[1]
doc = yaml.safe_load(open(p))
for case in doc["tests"]:
    case["alert_rule_test"] = [t for t in case["alert_rule_test"] if t["alertname"] != "ContainerCPUThrottled"]
yaml.safe_dump(doc, open(p, "w"))
PY
must_fail "an alert without tests (coverage.py)" python3 "$t/coverage.py" "$r" "$t"
copy
sed -i '/runbook: "Raise deploy.resources.limits.cpus/d' "$r/containers.rules.yml"
must_fail "an alert without a runbook (coverage.py)" python3 "$t/coverage.py" "$r" "$t"
copy
cp "$repo/README.md" "$WORK/tree/README.md"
sed -i 's/| `SwarmServiceDown` (swarm) | critical |/| `SwarmServiceDown` (swarm) | warning |/' "$WORK/tree/README.md"
must_fail "a README whose alerts table differs from the rules (readme_alerts.py)" \
  python3 "$t/readme_alerts.py" "$r" "$WORK/tree/README.md" --check
copy
printf '      - alert: Dup\n        expr: up == 0\n      - alert: Dup\n        expr: up == 0\n' >>"$r/swarmscope.rules.yml"
must_fail "a rules file with a duplicate rule (promtool --lint=all)" promtool check rules --lint=all --lint-fatal "$r/swarmscope.rules.yml"

echo "alerts check: $CHECKS checks passed"
