#!/usr/bin/env bash
# Static checks of everything under stacks/ with the real tools: yamllint on all YAML,
# docker-compose's schema and interpolation check on every stack file, promtool on the
# Prometheus configuration and rules, amtool on the Alertmanager configuration. Each
# validator is also shown a broken copy, to prove it rejects one.
#   tests/integration/stacks_check.sh
# (The stacks are also deployed for real by swarm_e2e_test.sh.)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
WORK=$(mktemp -d /tmp/swarmscope-stacks.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
CHECKS=0
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { CHECKS=$((CHECKS + 1)); echo "ok: $*"; }
# must_fail DESCRIPTION COMMAND...: the validator has to reject the broken input.
must_fail() {
  local what=$1; shift
  if "$@" >"$WORK/out" 2>&1; then fail "$what was accepted: $*"; fi
  ok "rejects $what"
}

bash "$here/debian-images.sh" extract "${TEST_DEB_CACHE:-$WORK/deb}"
amtool="${TEST_DEB_CACHE:-$WORK/deb}/root/usr/bin/amtool"

cd "$repo"
mapfile -t yaml < <(find stacks tests provisioning dashboards .yamllint \( -name '*.yml' -o -name '*.yaml' -o -name .yamllint \) -type f | sort)
yamllint --strict "${yaml[@]}"
ok "yamllint --strict on ${#yaml[@]} YAML files"
printf 'a: 1\na: 2\n' >"$WORK/dup.yml"
must_fail "a YAML file with a duplicate key (yamllint)" yamllint --strict -c .yamllint "$WORK/dup.yml"

# Every stack file with its defaults, as `docker stack deploy` would read it.
compose_check() {  # compose_check DIR FILE...
  (cd "$1" && shift && GRAFANA_ADMIN_PASSWORD=check docker-compose $(printf -- '-f %s ' "$@") config -q 2>"$WORK/compose.err") ||
    { cat "$WORK/compose.err" >&2; return 1; }
}
compose_check stacks/swarmscope docker-stack.yml
compose_check stacks/monitoring docker-stack.yml grafana.yml
compose_check tests/integration docker-test-stack.yml
compose_check tests/integration e2e-test-stack.yml
ok "docker-compose config (compose file schema 3.8, interpolation, referenced files) on every stack file"
sed 's/      mode: global/      mode: global\n      replica: 1/' stacks/swarmscope/docker-stack.yml >"$WORK/bad-stack.yml"
must_fail "a stack file with an unknown deploy key (docker-compose)" compose_check "$WORK" bad-stack.yml
(cd stacks/monitoring && env -u GRAFANA_ADMIN_PASSWORD docker-compose -f grafana.yml config -q >/dev/null 2>&1) &&
  fail "grafana.yml deployed without GRAFANA_ADMIN_PASSWORD"
ok "grafana.yml refuses to deploy without GRAFANA_ADMIN_PASSWORD"

promtool check config stacks/monitoring/prometheus/prometheus.yml
promtool check rules stacks/monitoring/prometheus/rules/*.yml
ok "promtool check config and check rules"
sed 's/regex: running/regex: (running/' stacks/monitoring/prometheus/prometheus.yml >"$WORK/bad-prometheus.yml"
must_fail "a Prometheus config with a broken relabel regex (promtool)" promtool check config "$WORK/bad-prometheus.yml"
sed 's/increase(docker_container_oom_kills_total\[10m\])/increase(docker_container_oom_kills_total[10m)/' \
  stacks/monitoring/prometheus/rules/swarmscope.rules.yml >"$WORK/bad.rules.yml"
must_fail "an alert rule with a broken expression (promtool)" promtool check rules "$WORK/bad.rules.yml"

"$amtool" check-config stacks/monitoring/alertmanager/alertmanager.yml
ok "amtool check-config"
sed 's/  receiver: default/  receiver: nowhere/' stacks/monitoring/alertmanager/alertmanager.yml >"$WORK/bad-am.yml"
must_fail "an Alertmanager route to an undefined receiver (amtool)" "$amtool" check-config "$WORK/bad-am.yml"

echo "stacks_check: $CHECKS checks passed"
