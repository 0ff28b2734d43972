#!/usr/bin/env bash
# Static checks of everything under stacks/ with the real tools: yamllint on all YAML,
# docker-compose's schema and interpolation check on every stack file (overrides merged onto
# the file they go with; the ceph override's merged collector service key by key), no cephx
# key in the repository, keepalived's own check of the example keepalived.conf, promtool on
# the Prometheus configuration and rules, amtool on the Alertmanager configuration. Each validator is also shown a broken copy, to prove it
# rejects one.
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
compose_check stacks/swarmscope docker-stack.yml ceph.yml
compose_check stacks/swarmscope docker-stack.yml keepalived.yml
compose_check stacks/swarmscope docker-stack.yml ceph.yml keepalived.yml
(export KEEPALIVED_CONF_FILE=keepalived.conf.example && compose_check stacks/keepalived docker-stack.yml)
compose_check stacks/monitoring docker-stack.yml grafana.yml
compose_check tests/integration docker-test-stack.yml
compose_check tests/integration e2e-test-stack.yml
ok "docker-compose config (compose file schema 3.8, interpolation, referenced files) on every stack file"
sed 's/      mode: global/      mode: global\n      replica: 1/' stacks/swarmscope/docker-stack.yml >"$WORK/bad-stack.yml"
must_fail "a stack file with an unknown deploy key (docker-compose)" compose_check "$WORK" bad-stack.yml

# The ceph override merged onto docker-stack.yml, as `docker stack deploy -c docker-stack.yml
# -c ceph.yml` merges them (maps by key, volumes by target, configs and secrets by source):
# the collector keeps everything of docker-stack.yml and gains librados' image, the ceph
# flags, ceph.conf as a config, the keyring as a 0400 secret and the admin sockets read-only.
# ceph_merged_check DIR [VAR=VALUE...]: the expected values follow the variables given.
ceph_merged_check() {
  local dir=$1; shift
  (cd "$dir" && env "$@" docker-compose -f docker-stack.yml -f ceph.yml config 2>"$WORK/compose.err") >"$WORK/merged.yml" ||
    { cat "$WORK/compose.err" >&2; return 1; }
  env "$@" python3 - "$WORK/merged.yml" <<'PY'
import os, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
svc = doc["services"]["collector"]
var = lambda name, default: os.environ.get(name) or default
errors = []
def expect(what, got, want):
    if got != want:
        errors.append(f"{what}: {got!r}, expected {want!r}")
expect("image", svc.get("image"), var("COLLECTOR_IMAGE", "swarmscope:ceph"))
env = svc.get("environment", {})
for key, want in {
    "SWARMSCOPE_COLLECTOR_CEPH": "true",
    "SWARMSCOPE_CEPH_CONFIG": "/etc/ceph/ceph.conf",
    "SWARMSCOPE_CEPH_USER": var("CEPH_USER", "swarmscope"),
    "SWARMSCOPE_CEPH_KEYRING": "/run/secrets/ceph_keyring",
    "SWARMSCOPE_CEPH_CLUSTER_LABEL": os.environ.get("CEPH_CLUSTER_LABEL", ""),
    # docker-stack.yml's own settings survive the merge.
    "SWARMSCOPE_NODE_ID": "{{.Node.ID}}",
    "SWARMSCOPE_CLUSTER_METRICS": var("CLUSTER_METRICS", "leader"),
    "SWARMSCOPE_DOCKER_HOST": "unix:///var/run/docker.sock",
}.items():
    expect(f"environment {key}", env.get(key), want)
expect("configs", svc.get("configs"), [{"source": "ceph_conf", "target": "/etc/ceph/ceph.conf", "mode": 0o444}])
expect("configs.ceph_conf", doc.get("configs", {}).get("ceph_conf"),
       {"name": "swarmscope_ceph_conf_" + var("CONFIG_VERSION", "1"),
        "file": var("CEPH_CONF_FILE", "/etc/ceph/ceph.conf")})
expect("secrets", svc.get("secrets"), [{"source": "ceph_keyring", "target": "ceph_keyring", "mode": 0o400}])
expect("secrets.ceph_keyring", doc.get("secrets", {}).get("ceph_keyring"),
       {"name": "swarmscope_ceph_keyring_" + var("CONFIG_VERSION", "1"),
        "file": var("CEPH_KEYRING_FILE", "/etc/ceph/ceph.client.swarmscope.keyring")})
mounts = {v.get("target"): v for v in svc.get("volumes", [])}
expect("volume /var/run/ceph", mounts.get("/var/run/ceph"),
       {"type": "bind", "source": var("CEPH_RUN_DIR", "/var/run/ceph"), "target": "/var/run/ceph",
        "read_only": True})
for target in ("/var/run/docker.sock", "/host/proc", "/host/sys/fs/cgroup"):
    expect(f"volume {target} (docker-stack.yml)", mounts.get(target, {}).get("read_only"), True)
expect("volumes", len(mounts), 4)
expect("deploy.mode", svc.get("deploy", {}).get("mode"), "global")
expect("networks", list(svc.get("networks", {})), ["host"])
for e in errors:
    print("merged collector service:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
}
ceph_merged_check stacks/swarmscope || fail "ceph.yml merged onto docker-stack.yml (above)"
ok "ceph.yml merged onto docker-stack.yml: image, ceph env, config, 0400 secret, read-only admin sockets, base kept"
ceph_merged_check stacks/swarmscope COLLECTOR_IMAGE=registry.example:5000/swarmscope:ceph CEPH_USER=metrics \
  CEPH_CLUSTER_LABEL=prod CEPH_CONF_FILE=/srv/ceph/prod.conf CEPH_KEYRING_FILE=/srv/ceph/prod.keyring \
  CEPH_RUN_DIR=/var/run/ceph/0f4e CONFIG_VERSION=3 CLUSTER_METRICS=always || fail "ceph.yml with its variables set (above)"
ok "ceph.yml's variables reach the merged service"
cp stacks/swarmscope/docker-stack.yml "$WORK/"
sed '/target: ceph_keyring/,/mode: 0400/s/mode: 0400/mode: 0444/' stacks/swarmscope/ceph.yml >"$WORK/ceph.yml"
must_fail "a ceph override with a world-readable keyring secret" ceph_merged_check "$WORK"
sed '/target: \/var\/run\/ceph/{n;d}' stacks/swarmscope/ceph.yml >"$WORK/ceph.yml"
must_fail "a ceph override with a writable admin socket mount" ceph_merged_check "$WORK"
sed 's/^  collector:/  ceph-collector:/' stacks/swarmscope/ceph.yml >"$WORK/ceph.yml"
must_fail "a ceph override for a service docker-stack.yml does not have" ceph_merged_check "$WORK"
sed 's/        mode: 0400/        mode: 0400\n        readonly: true/' stacks/swarmscope/ceph.yml >"$WORK/ceph.yml"
must_fail "a ceph override with an unknown secret option (docker-compose)" compose_check "$WORK" docker-stack.yml ceph.yml

# The keepalived override merged the same way: the collector keeps docker-stack.yml's
# settings, on the host network, and gains the keepalived collector, NET_RAW and the dumps'
# volume read-only; stacks/keepalived writes that same volume.
keepalived_merged_check() {  # keepalived_merged_check DIR [VAR=VALUE...]
  local dir=$1; shift
  (cd "$dir" && env "$@" docker-compose -f docker-stack.yml -f keepalived.yml config 2>"$WORK/compose.err") >"$WORK/merged.yml" ||
    { cat "$WORK/compose.err" >&2; return 1; }
  (cd "$repo/stacks/keepalived" && KEEPALIVED_CONF_FILE=keepalived.conf.example docker-compose -f docker-stack.yml config \
    2>"$WORK/compose.err") >"$WORK/keepalived-stack.yml" || { cat "$WORK/compose.err" >&2; return 1; }
  env "$@" python3 - "$WORK/merged.yml" "$WORK/keepalived-stack.yml" <<'PY'
import os, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
keepalived = yaml.safe_load(open(sys.argv[2]))
svc = doc["services"]["collector"]
errors = []
def expect(what, got, want):
    if got != want:
        errors.append(f"{what}: {got!r}, expected {want!r}")
env = svc.get("environment", {})
for key, want in {
    "SWARMSCOPE_COLLECTOR_KEEPALIVED": "true",
    "SWARMSCOPE_KEEPALIVED_DUMP_DIR": "/run/keepalived-dumps",
    "SWARMSCOPE_KEEPALIVED_VIPS": os.environ.get("KEEPALIVED_VIPS", ""),
    "SWARMSCOPE_NODE_NAME": "{{.Node.Hostname}}",
    "SWARMSCOPE_WEB_LISTEN_ADDRESS": ":9338",
}.items():
    expect(f"environment {key}", env.get(key), want)
expect("cap_add", svc.get("cap_add"), ["NET_RAW"])
expect("networks", list(svc.get("networks", {})), ["host"])
expect("networks.host", doc.get("networks", {}).get("host"), {"name": "host", "external": True})
mounts = {v.get("target"): v for v in svc.get("volumes", [])}
expect("volume /run/keepalived-dumps", mounts.get("/run/keepalived-dumps"),
       {"type": "volume", "source": "keepalived-dumps", "target": "/run/keepalived-dumps", "read_only": True})
expect("volumes", len(mounts), 4)
ka = keepalived["services"]["keepalived"]
ka_mounts = {v.get("target"): v for v in ka.get("volumes", [])}
expect("keepalived stack: the dumps' volume", ka_mounts.get("/run/keepalived-dumps", {}).get("source"), "keepalived-dumps")
expect("keepalived stack: its TMPDIR", ka.get("environment", {}).get("KEEPALIVED_DUMP_DIR"), "/run/keepalived-dumps")
expect("keepalived stack: one volume name for both stacks", keepalived.get("volumes", {}).get("keepalived-dumps"),
       doc.get("volumes", {}).get("keepalived-dumps"))
expect("keepalived stack: network", list(ka.get("networks", {})), ["host"])
for e in errors:
    print("merged collector service:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
}
keepalived_merged_check stacks/swarmscope || fail "keepalived.yml merged onto docker-stack.yml (above)"
keepalived_merged_check stacks/swarmscope KEEPALIVED_VIPS=192.0.2.10,192.0.2.20 || fail "keepalived.yml with KEEPALIVED_VIPS (above)"
ok "keepalived.yml merged onto docker-stack.yml: host network, keepalived env, NET_RAW, the dumps' volume read-only, shared with stacks/keepalived"
cp stacks/swarmscope/docker-stack.yml "$WORK/"
sed '/target: \/run\/keepalived-dumps/{n;d}' stacks/swarmscope/keepalived.yml >"$WORK/keepalived.yml"
must_fail "a keepalived override with a writable dumps volume" keepalived_merged_check "$WORK"

# The example keepalived.conf, as keepalived itself reads it (-t: check and exit), for each
# of its nodes, in a network namespace made here that has its interface (eth0).
ka_ns=swarmscope-stacks-check-$$
ip netns add "$ka_ns"
trap 'ip netns del "$ka_ns" 2>/dev/null || true; rm -rf "$WORK"' EXIT
ip -n "$ka_ns" link add eth0 type veth peer name eth1
ip -n "$ka_ns" link set eth0 up
keepalived_conf_check() {  # keepalived_conf_check FILE: keepalived -t for node1..node3
  local node
  for node in node1 node2 node3; do
    ip netns exec "$ka_ns" keepalived -t -f "$1" --config-id "$node" >"$WORK/keepalived-t.out" 2>&1 ||
      { cat "$WORK/keepalived-t.out" >&2; return 1; }
  done
}
keepalived_conf_check stacks/keepalived/keepalived.conf.example
ok "keepalived -t accepts stacks/keepalived/keepalived.conf.example for node1, node2 and node3"
sed 's/virtual_router_id 51/virtual_router_id 300/' stacks/keepalived/keepalived.conf.example >"$WORK/bad-keepalived.conf"
must_fail "a keepalived.conf with an out-of-range VRID (keepalived -t)" keepalived_conf_check "$WORK/bad-keepalived.conf"

# Cephx keys stay out of the repository: stacks read them from files outside it (secrets).
# A key is 40 base64 characters, AQ...== (ceph-authtool's format).
no_keys() {  # no_keys DIR: no *.keyring file, no "key = AQ..." line in the tracked and new files
  local hits
  git -C "$1" rev-parse --git-dir >/dev/null || return 1
  hits=$(git -C "$1" grep --untracked -lE 'AQ[A-Za-z0-9+/]{36}==' || true)
  hits+=$(git -C "$1" ls-files -co --exclude-standard | grep -E '(^|/)([^/]*\.)?keyring$' || true)
  [ -z "$hits" ] || { echo "cephx keys in the repository: $hits" >&2; return 1; }
}
no_keys "$repo" || fail "a cephx key in the repository"
ok "no cephx key or keyring file in the repository"
git init -q "$WORK/keys"
# A made-up key in the real format, made here so that this file does not hold one.
fake_key=$(python3 -c 'import base64; print(base64.b64encode(b"\x01\x00" + b"swarmscope test, no key!!!").decode())')
printf '[client.swarmscope]\n\tkey = %s\n' "$fake_key" >"$WORK/keys/ceph.client.swarmscope.keyring"
must_fail "a repository with a keyring file" no_keys "$WORK/keys"
mv "$WORK/keys/ceph.client.swarmscope.keyring" "$WORK/keys/notes.txt"
must_fail "a repository with a cephx key in a file" no_keys "$WORK/keys"

(cd stacks/monitoring && env -u GRAFANA_ADMIN_PASSWORD docker-compose -f grafana.yml config -q >/dev/null 2>&1) &&
  fail "grafana.yml deployed without GRAFANA_ADMIN_PASSWORD"
ok "grafana.yml refuses to deploy without GRAFANA_ADMIN_PASSWORD"

promtool check config stacks/monitoring/prometheus/prometheus.yml
for f in stacks/monitoring/prometheus/rules/*.yml; do
  grep -q "file: ./prometheus/rules/$(basename "$f")\$" stacks/monitoring/docker-stack.yml ||
    fail "$f is not a config of stacks/monitoring/docker-stack.yml: Prometheus would not load it"
done
promtool check rules stacks/monitoring/prometheus/rules/*.yml
ok "promtool check config and check rules"
sed 's/regex: running/regex: (running/' stacks/monitoring/prometheus/prometheus.yml >"$WORK/bad-prometheus.yml"
must_fail "a Prometheus config with a broken relabel regex (promtool)" promtool check config "$WORK/bad-prometheus.yml"
sed 's/increase(docker_container_oom_kills_total\[10m\])/increase(docker_container_oom_kills_total[10m)/' \
  stacks/monitoring/prometheus/rules/containers.rules.yml >"$WORK/bad.rules.yml"
must_fail "an alert rule with a broken expression (promtool)" promtool check rules "$WORK/bad.rules.yml"

"$amtool" check-config stacks/monitoring/alertmanager/alertmanager.yml
ok "amtool check-config"
sed 's/  receiver: default/  receiver: nowhere/' stacks/monitoring/alertmanager/alertmanager.yml >"$WORK/bad-am.yml"
must_fail "an Alertmanager route to an undefined receiver (amtool)" "$amtool" check-config "$WORK/bad-am.yml"

echo "stacks_check: $CHECKS checks passed"
