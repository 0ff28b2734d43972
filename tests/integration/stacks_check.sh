#!/usr/bin/env bash
# Static checks of everything under stacks/ with the real tools: yamllint on all YAML,
# docker-compose's schema and interpolation check on every stack file (overrides merged onto
# the file they go with; the ceph override's merged collector service key by key), no cephx
# key in the repository, keepalived's own check of the example keepalived.conf, the traefik
# configuration of stacks/traefik, stacks/registry and stacks/monitoring/traefik.yml
# (tests/stacks/traefik_check.py: no traefik image is reachable here), no private key,
# password hash or token in the repository or its history (tests/stacks/secret_scan.py),
# every scraped service on Prometheus' network, every stack variable in the README's table,
# promtool on the Prometheus configuration and rules, amtool on the Alertmanager
# configuration. Each validator is also shown broken copies, to prove it rejects them (with
# its own message).
#   tests/integration/stacks_check.sh
# (The stacks are also deployed for real by swarm_e2e_test.sh, the registry's by
# registry_test.sh.)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
CHECKS_NAME=stacks source "$repo/tests/support/checks.sh"

bash "$repo/provisioning/debian-images.sh" extract "${TEST_DEB_CACHE:-$WORK/deb}"
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
# traefik and the registry read their users from htpasswd files outside the repository.
: >"$WORK/users.htpasswd"
export TRAEFIK_USERS_FILE="$WORK/users.htpasswd" REGISTRY_HTPASSWD_FILE="$WORK/users.htpasswd"
compose_check stacks/traefik docker-stack.yml
compose_check stacks/traefik docker-stack.yml certificates.yml
compose_check stacks/registry docker-stack.yml
compose_check stacks/monitoring docker-stack.yml grafana.yml traefik.yml
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
(cd stacks/traefik && env -u TRAEFIK_USERS_FILE docker-compose -f docker-stack.yml config -q >/dev/null 2>&1) &&
  fail "stacks/traefik deployed without TRAEFIK_USERS_FILE"
(cd stacks/registry && env -u REGISTRY_HTPASSWD_FILE docker-compose -f docker-stack.yml config -q >/dev/null 2>&1) &&
  fail "stacks/registry deployed without REGISTRY_HTPASSWD_FILE"
ok "traefik and the registry refuse to deploy without their users' htpasswd file (no default password)"

# traefik's configuration, statically (no traefik image is reachable here): the stacks as
# `docker stack deploy` reads them (merged by docker-compose), checked by
# tests/stacks/traefik_check.py; then broken copies of them, each of which it must reject
# with its own message.
merged() {  # merged DIR OUT FILE...: docker-compose config of the files (merged) into OUT
  local dir=$1 out=$2; shift 2
  (cd "$dir" && GRAFANA_ADMIN_PASSWORD=check docker-compose $(printf -- '-f %s ' "$@") config 2>"$WORK/compose.err") >"$out" ||
    { cat "$WORK/compose.err" >&2; return 1; }
}
mkdir -p "$WORK/t"
merged stacks/traefik "$WORK/t/traefik.yml" docker-stack.yml
(export TLS_CERTRESOLVER= && merged stacks/traefik "$WORK/t/traefik-certs.yml" docker-stack.yml certificates.yml)
(export ACME_CHALLENGE=httpchallenge.entrypoint=web ACME_RESOLVER=lab TLS_CERTRESOLVER=lab &&
  merged stacks/traefik "$WORK/t/traefik-http.yml" docker-stack.yml)
merged stacks/registry "$WORK/t/registry.yml" docker-stack.yml
merged stacks/monitoring "$WORK/t/monitoring.yml" docker-stack.yml grafana.yml traefik.yml
traefik_check() {  # traefik_check TRAEFIK.yml [REGISTRY.yml MONITORING.yml]
  python3 tests/stacks/traefik_check.py --traefik traefik="$1" --stack registry="${2:-$WORK/t/registry.yml}" \
    --stack monitoring="${3:-$WORK/t/monitoring.yml}"
}
for t in traefik traefik-certs traefik-http; do
  traefik_check "$WORK/t/$t.yml" || fail "traefik_check on stacks/traefik ($t.yml), registry and monitoring with traefik.yml"
done
ok "traefik_check: stacks/traefik (ACME with the TLS or the HTTP challenge; certificates.yml), the registry's and monitoring's routers, services, middlewares, entrypoints, resolvers, rules and networks"
grep -q 'target: tls.key' "$WORK/t/traefik-certs.yml" && grep -q -- '--entrypoints.websecure.http.tls.certresolver=$' "$WORK/t/traefik-certs.yml" ||
  fail "certificates.yml merged onto stacks/traefik: no tls.key secret, or a resolver left on websecure"
ok "certificates.yml merged onto stacks/traefik: the certificate's secrets, no resolver on websecure"

# mutate IN OUT PYTHON: OUT is IN (a merged stack) after PYTHON ran on it as `d`; helpers:
# svc(name) the service, labels(name) its deploy.labels, cmd() traefik's command line,
# replace_arg(prefix, new) replaces the argument that starts with prefix.
mutate() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
svc = lambda name: d["services"][name]
labels = lambda name: svc(name)["deploy"]["labels"]
cmd = lambda: svc("traefik")["command"]
def replace_arg(prefix, new):
    c = cmd()
    assert any(a.startswith(prefix) for a in c), prefix
    c[:] = [new if a.startswith(prefix) else a for a in c]
exec(sys.argv[3])
yaml.safe_dump(d, open(sys.argv[2], "w"))
PY
}
# traefik_rejects WHAT MESSAGE STACK PYTHON: the checker rejects STACK (traefik, registry or
# monitoring) after PYTHON, and says MESSAGE (an extended regular expression).
traefik_rejects() {
  local what=$1 message=$2 stack=$3 code=$4 t="$WORK/t/traefik.yml" r="$WORK/t/registry.yml" m="$WORK/t/monitoring.yml"
  mutate "$WORK/t/$stack.yml" "$WORK/t/bad.yml" "$code" || fail "mutate $stack: $code"
  case $stack in traefik) t="$WORK/t/bad.yml" ;; registry) r="$WORK/t/bad.yml" ;; monitoring) m="$WORK/t/bad.yml" ;; esac
  must_fail "$what (traefik_check)" traefik_check "$t" "$r" "$m"
  grep -qE -- "$message" "$WORK/out" || fail "traefik_check rejected $what without saying /$message/: $(cat "$WORK/out")"
}
R='labels("registry")'
traefik_rejects "a router to an undefined service" "router registry: undefined service 'nosuch'" registry \
  "$R['traefik.http.routers.registry.service'] = 'nosuch'"
traefik_rejects "a service without loadbalancer.server.port" "service registry has no loadbalancer.server.port" registry \
  "$R['traefik.http.services.registry.loadbalancer.passhostheader'] = 'true'; del $R['traefik.http.services.registry.loadbalancer.server.port']"
traefik_rejects "a routed service without any traefik service" "no traefik.http.services.NAME.loadbalancer.server.port" registry \
  "del $R['traefik.http.services.registry.loadbalancer.server.port']"
traefik_rejects "a router to another service's traefik service that has no port" "service 'ui@swarm' has no loadbalancer.server.port" monitoring \
  "labels('grafana')['traefik.http.routers.grafana.service'] = 'ui@swarm'; labels('prometheus')['traefik.http.services.ui.loadbalancer.passhostheader'] = 'true'"
traefik_rejects "a router on an undefined entrypoint" "router registry: undefined entrypoint 'https'" registry \
  "$R['traefik.http.routers.registry.entrypoints'] = 'websecure,https'"
traefik_rejects "a router without entrypoints" "router registry: no entrypoints" registry \
  "del $R['traefik.http.routers.registry.entrypoints']"
traefik_rejects "an undefined middleware" "router prometheus: undefined middleware 'auth@swarm'" monitoring \
  "labels('prometheus')['traefik.http.routers.prometheus.middlewares'] = 'auth@swarm'"
traefik_rejects "an undefined @file middleware" "undefined middleware 'traefik-auth@file' \(not in the file provider" monitoring \
  "labels('alertmanager')['traefik.http.routers.alertmanager.middlewares'] = 'traefik-auth@file'"
traefik_rejects "a middleware of an unconfigured provider" "provider 'docker' is not configured" monitoring \
  "labels('grafana')['traefik.http.routers.grafana.middlewares'] = 'security-headers@docker'"
traefik_rejects "a router's undefined certificate resolver" "router registry: undefined certificate resolver 'le'" registry \
  "$R['traefik.http.routers.registry.tls.certresolver'] = 'le'"
traefik_rejects "an entrypoint's undefined certificate resolver" "entrypoint websecure: undefined certificate resolver 'le'" traefik \
  "replace_arg('--entrypoints.websecure.http.tls.certresolver=', '--entrypoints.websecure.http.tls.certresolver=le')"
traefik_rejects "routers without TLS on the https entrypoint" "router registry: no TLS on entrypoint websecure, which web redirects to" traefik \
  "cmd()[:] = [a for a in cmd() if not a.startswith('--entrypoints.websecure.http.tls')]"
traefik_rejects "undefined TLS options" "undefined TLS options 'modern@file'" registry \
  "$R['traefik.http.routers.registry.tls.options'] = 'modern@file'"
# Rules: each kind of syntax error, and v2's syntax that v3 no longer reads.
for rule in 'Host(`a.example.com`' 'Host(`a.example.com`) &&' 'Host(a.example.com)' 'Host(`a.example.com`, `b.example.com`)' \
  'HostHeader(`a.example.com`)' 'Host(``)' 'Host(`https://a.example.com`)' 'PathPrefix(`v2`)' 'Method(`FETCH`)' \
  'ClientIP(`10.0.0.300`)' 'Header(`X-A`)' 'HostRegexp(`(a`)' 'Host(`a`) Host(`b`)' '!(Host(`a`)' 'Query(`a`, `b`, `c`)' \
  'Host(`a`) & Path(`/`)' 'Host(`a`) || ()' 'Query(`a=b`)' "Host('a')" \
  'HostRegexp(`{sub:[a-z]+}.example.com`)' 'PathPrefix(`/api/{id:[0-9]+}`)'; do
  printf '%s' "$rule" >"$WORK/t/rule"
  traefik_rejects "the rule $rule" "router registry: rule .* does not parse" registry \
    "$R['traefik.http.routers.registry.rule'] = open('$WORK/t/rule').read()"
done
printf '%s' '(Host(`r.example.com`) || HostRegexp(`^r[0-9]+\.example\.com$`)) && !PathPrefix(`/admin`) && (Method(`GET`) || Method(`HEAD`)) && Header(`X-A`, `b`) && !ClientIP(`192.0.2.0/24`) && Query(`q`, `1`) && PathRegexp(`^/v2/`) && HeaderRegexp(`X-B`, `^c`) && Path("/v2/")' >"$WORK/t/rule"
mutate "$WORK/t/registry.yml" "$WORK/t/rule.yml" "$R['traefik.http.routers.registry.rule'] = open('$WORK/t/rule').read()"
traefik_check "$WORK/t/traefik.yml" "$WORK/t/rule.yml" || fail "traefik_check rejected a valid rule with every matcher and operator"
ok "traefik_check accepts a rule with ||, &&, !, parentheses and the v3 matchers"
traefik_rejects "a network label naming a network the service is not on" "traefik.swarm.network traefik-pub is not a network of this service" registry \
  "$R['traefik.swarm.network'] = 'traefik-pub'"
traefik_rejects "a network label naming a network traefik is not on" "traefik.swarm.network registry_backend is not a network of traefik" registry \
  "$R['traefik.swarm.network'] = 'registry_backend'; svc('registry')['networks']['backend'] = None; d['networks']['backend'] = {'driver': 'overlay'}"
traefik_rejects "a routed service on none of traefik's networks (no network label)" "traefik.swarm.network traefik-public is not a network of this service" registry \
  "del $R['traefik.swarm.network']; del svc('registry')['networks']['traefik-public']"
traefik_rejects "traefik labels as container labels" "registry/registry: traefik.http.routers.registry.rule is a container label" registry \
  "svc('registry')['labels'] = {'traefik.http.routers.registry.rule': $R.pop('traefik.http.routers.registry.rule')}"
traefik_rejects "a v1 frontend label" "traefik.frontend.rule: a traefik v1 label" registry "$R['traefik.frontend.rule'] = 'Host:r.example.com'"
traefik_rejects "a v1 backend label" "traefik.backend.loadbalancer.swarm: a traefik v1 label" registry \
  "$R['traefik.backend.loadbalancer.swarm'] = 'true'"
traefik_rejects "a v1 port label" "traefik.port: a traefik v1 label" registry "$R['traefik.port'] = '5000'"
traefik_rejects "a v2 docker network label" "traefik.docker.network: a v2 docker-provider label" registry \
  "$R['traefik.docker.network'] = $R.pop('traefik.swarm.network')"
traefik_rejects "a router name with @" "router registry@swarm: @ is not allowed in a router's name" registry \
  "$R['traefik.http.routers.registry@swarm.rule'] = $R.pop('traefik.http.routers.registry.rule')"
traefik_rejects "an unknown router option" "unknown router option 'entrypoint'" registry \
  "$R['traefik.http.routers.registry.entrypoint'] = $R.pop('traefik.http.routers.registry.entrypoints')"
traefik_rejects "traefik labels without traefik.enable" "registry/registry: traefik labels without traefik.enable=true" registry \
  "del $R['traefik.enable']"
traefik_rejects "one router name in two services" "router grafana is also defined by" monitoring \
  "labels('prometheus')['traefik.http.routers.grafana.rule'] = 'Host(\`g.example.com\`)'"
traefik_rejects "basic auth users inline" "basicAuth.users puts password hashes in the stack" traefik \
  "labels('traefik')['traefik.http.middlewares.traefik-auth.basicauth.users'] = 'alice:x'"
traefik_rejects "a basic auth users file traefik does not mount" "basicAuth.usersFile /run/secrets/monitoring_users is not a secret or config of traefik" traefik \
  "labels('traefik')['traefik.http.middlewares.traefik-auth.basicauth.usersfile'] = '/run/secrets/monitoring_users'"
traefik_rejects "an unknown middleware type" "middleware traefik-auth: unknown middleware type 'basicauthentication'" traefik \
  "labels('traefik')['traefik.http.middlewares.traefik-auth.basicauthentication.usersfile'] = labels('traefik').pop('traefik.http.middlewares.traefik-auth.basicauth.usersfile'); del labels('traefik')['traefik.http.middlewares.traefik-auth.basicauth.realm']"
traefik_rejects "a prometheus.io/port that is not traefik's metrics entrypoint" "prometheus.io/port 8080 is not the metrics entrypoint's port 8082" traefik \
  "labels('traefik')['prometheus.io/port'] = '8080'"
traefik_rejects "providers.docker.swarmMode" "providers.docker.swarmMode was removed in v3" traefik \
  "cmd().append('--providers.docker.swarmMode=true')"
traefik_rejects "no swarm provider" "no swarm provider" traefik \
  "cmd()[:] = [a for a in cmd() if not a.startswith('--providers.swarm')]"
traefik_rejects "exposedByDefault left true" "exposedbydefault is not false" traefik \
  "replace_arg('--providers.swarm.exposedbydefault', '--providers.swarm.exposedByDefault=true')"
traefik_rejects "a writable docker socket" "the docker socket /var/run/docker.sock is mounted writable" traefik \
  "svc('traefik')['volumes'][0]['read_only'] = False"
traefik_rejects "a provider network traefik is not on" "providers.swarm.network=traefik is not a network of traefik" traefik \
  "replace_arg('--providers.swarm.network', '--providers.swarm.network=traefik')"
traefik_rejects "an unknown static section (v1's --entryPoint)" "--entrypoint.web.address: unknown section 'entrypoint'" traefik \
  "cmd().append('--entryPoint.web.address=:8000')"
traefik_rejects "a redirection to an undefined entrypoint" "entrypoint web redirects to undefined entrypoint 'https'" traefik \
  "replace_arg('--entrypoints.web.http.redirections.entrypoint.to', '--entrypoints.web.http.redirections.entrypoint.to=https')"
traefik_rejects "an entrypoint without an address" "entrypoint websecur has no address" traefik \
  "cmd().append('--entrypoints.websecur.http.tls=true')"
traefik_rejects "an entrypoint address without a port" "entrypoint websecure: address '443' is not \[host\]:port" traefik \
  "replace_arg('--entrypoints.websecure.address', '--entrypoints.websecure.address=443')"
traefik_rejects "an ACME storage on no volume" "certificate resolver letsencrypt: its storage /etc/acme.json is on no volume" traefik \
  "replace_arg('--certificatesresolvers.letsencrypt.acme.storage', '--certificatesresolvers.letsencrypt.acme.storage=/etc/acme.json')"
traefik_rejects "an ACME resolver without a challenge" "certificate resolver letsencrypt: no challenge" traefik \
  "cmd()[:] = [a for a in cmd() if 'challenge' not in a]"
traefik_rejects "an HTTP challenge on an undefined entrypoint" "HTTP challenge on undefined entrypoint 'http'" traefik \
  "replace_arg('--certificatesresolvers.letsencrypt.acme.tlschallenge', '--certificatesresolvers.letsencrypt.acme.httpchallenge.entrypoint=http')"
traefik_rejects "metrics on an undefined entrypoint" "--metrics.prometheus.entrypoint: undefined entrypoint 'prometheus'" traefik \
  "replace_arg('--metrics.prometheus.entrypoint', '--metrics.prometheus.entrypoint=prometheus')"
sed 's/ipAllowList:/ipWhiteList:/' stacks/traefik/dynamic/middlewares.yml >"$WORK/t/middlewares.yml"
traefik_rejects "v2's ipWhiteList middleware in the file provider" "ipwhitelist is not a v3 middleware: use ipAllowList" traefik \
  "d['configs']['traefik_middlewares']['file'] = '$WORK/t/middlewares.yml'"
sed 's/    security-headers:/    secure-headers:/' stacks/traefik/dynamic/middlewares.yml >"$WORK/t/middlewares.yml"
traefik_rejects "a renamed @file middleware" "router dashboard: undefined middleware 'security-headers@file'" traefik \
  "d['configs']['traefik_middlewares']['file'] = '$WORK/t/middlewares.yml'"
traefik_rejects "a file provider directory with no config in it" "reads /etc/traefik/dyn, where no config is mounted" traefik \
  "replace_arg('--providers.file.directory', '--providers.file.directory=/etc/traefik/dyn')"
mutate "$WORK/t/traefik-certs.yml" "$WORK/t/bad-certs.yml" "svc('traefik')['secrets'] = [s for s in svc('traefik')['secrets'] if s['target'] != 'tls.key']"
must_fail "a default certificate whose key traefik does not mount (traefik_check)" traefik_check "$WORK/t/bad-certs.yml"
grep -q "keyFile /run/secrets/tls.key is not a secret or config of traefik" "$WORK/out" || fail "traefik_check: $(cat "$WORK/out")"

# Prometheus' label discovery (the job swarm-tasks of prometheus.yml) keeps only the tasks on
# the network its relabelling names: every service of the merged stacks that asks to be
# scraped (prometheus.io/scrape) has to be on it, with a prometheus.io/port.
scrape_networks_check() {  # scrape_networks_check PROMETHEUS.yml MERGED.yml...
  python3 - "$@" <<'PY'
import re, sys, yaml
prom = yaml.safe_load(open(sys.argv[1]))
job = next(j for j in prom["scrape_configs"] if j["job_name"] == "swarm-tasks")
keep = [r for r in job["relabel_configs"]
        if r.get("source_labels") == ["__meta_dockerswarm_network_name"] and r.get("action") == "keep"]
if len(keep) != 1:
    sys.exit("swarm-tasks: no single keep on __meta_dockerswarm_network_name")
rx = re.compile(keep[0]["regex"])
errors, seen = [], 0
for path in sys.argv[2:]:
    doc = yaml.safe_load(open(path))
    for name, svc in doc["services"].items():
        labels = (svc.get("deploy") or {}).get("labels") or {}
        if labels.get("prometheus.io/scrape") != "true":
            continue
        seen += 1
        nets = {(doc.get("networks") or {}).get(k, {}).get("name") or k for k in svc.get("networks") or {}}
        if not any(rx.fullmatch(n) for n in nets):
            errors.append(f"{path}: {name} asks to be scraped but is on no network Prometheus keeps "
                          f"({keep[0]['regex']}): {sorted(nets)}")
        if not str(labels.get("prometheus.io/port", "")).isdigit():
            errors.append(f"{path}: {name} asks to be scraped without a prometheus.io/port")
print("\n".join(errors) or f"{seen} scraped services on Prometheus' network")
sys.exit(1 if errors else 0)
PY
}
merged stacks/monitoring "$WORK/t/monitoring-base.yml" docker-stack.yml grafana.yml
scrape_networks_check stacks/monitoring/prometheus/prometheus.yml "$WORK/t/traefik.yml" "$WORK/t/registry.yml" \
  "$WORK/t/monitoring.yml" "$WORK/t/monitoring-base.yml" >"$WORK/out" || fail "$(cat "$WORK/out")"
ok "every service with prometheus.io/scrape (traefik, registry, monitoring) is on the network Prometheus' swarm-tasks job keeps: $(cat "$WORK/out")"
mutate "$WORK/t/registry.yml" "$WORK/t/bad.yml" "del svc('registry')['networks']['monitoring']"
must_fail "a scraped service off Prometheus' network" scrape_networks_check stacks/monitoring/prometheus/prometheus.yml "$WORK/t/bad.yml"
grep -q "registry asks to be scraped but is on no network Prometheus keeps" "$WORK/out" || fail "scrape_networks_check: $(cat "$WORK/out")"

# Every variable a stack file reads is in the README's table (section "Stack variables").
variables_documented() {  # variables_documented README STACK-FILE...
  python3 - "$@" <<'PY'
import re, sys
readme = open(sys.argv[1]).read()
table = readme[readme.index("### Stack variables"):]
table = table[:table.index("\n### ", 1)]
documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
missing = [(f, v) for f in sys.argv[2:] for v in sorted(set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", open(f).read())))
           if v not in documented]
for f, v in missing:
    print(f"{f}: {v} is not in the README's \"Stack variables\" table")
sys.exit(1 if missing else 0)
PY
}
mapfile -t stack_files < <(find stacks -name '*.yml' -type f | sort)
variables_documented README.md "${stack_files[@]}" || fail "stack variables missing from the README (above)"
ok "every variable of the ${#stack_files[@]} YAML files under stacks/ is in the README's Stack variables table"
sed 's/traefik:v3.1.2}/traefik:v3.1.2}\n    hostname: ${TRAEFIK_HOSTNAME:-traefik}/' stacks/traefik/docker-stack.yml >"$WORK/t/undocumented.yml"
must_fail "a stack variable the README does not list" variables_documented README.md "$WORK/t/undocumented.yml"
grep -q 'TRAEFIK_HOSTNAME is not in the README' "$WORK/out" || fail "variables_documented: $(cat "$WORK/out")"

# No private key, password hash, token or literal password in the repository (all files git
# has or would add), tests/stacks/secret_scan.py; then a repository with each of them, made
# here at run time so that no file of this repository holds one.
python3 tests/stacks/secret_scan.py "$repo" || fail "a secret in the repository (above)"
ok "secret_scan: no private key, password hash, token or literal password in the repository"
secret_rejects() {  # secret_rejects WHAT RULE FILE LINE...: a repository whose FILE has these lines
  local what=$1 rule=$2 file=$3; shift 3
  rm -rf "$WORK/secrets" && git init -q "$WORK/secrets"
  printf 'services: {}\n' >"$WORK/secrets/clean.yml"
  mkdir -p "$(dirname "$WORK/secrets/$file")"
  printf '%s\n' "$@" >"$WORK/secrets/$file"
  must_fail "a repository with $what (secret_scan)" python3 tests/stacks/secret_scan.py "$WORK/secrets"
  grep -q "^$file:[0-9]*: $rule\$" "$WORK/out" || fail "secret_scan rejected $what without naming $file and $rule: $(cat "$WORK/out")"
}
openssl genpkey -algorithm ed25519 -out "$WORK/test.key" 2>/dev/null
secret_rejects "a private key" private-key stacks/traefik/tls.key "$(cat "$WORK/test.key")"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/rsa.key" -out "$WORK/rsa.crt" -subj /CN=test -days 1 2>/dev/null
secret_rejects "an RSA private key in a PEM bundle" private-key certs/bundle.pem "$(cat "$WORK/rsa.crt" "$WORK/rsa.key")"
# Committed once, removed by the next commit: still in every clone's history.
rm -rf "$WORK/secrets" && git init -q "$WORK/secrets"
printf '%s\n' "$(cat "$WORK/test.key")" >"$WORK/secrets/old.pem"
git -C "$WORK/secrets" add -A && git -C "$WORK/secrets" -c user.name=t -c user.email=t@t commit -qm key
git -C "$WORK/secrets" rm -q old.pem && git -C "$WORK/secrets" -c user.name=t -c user.email=t@t commit -qm "no key"
[ ! -e "$WORK/secrets/old.pem" ] || fail "old.pem still in the work tree"
must_fail "a repository whose history has a private key (secret_scan)" python3 tests/stacks/secret_scan.py "$WORK/secrets"
grep -qE '^old.pem:[0-9a-f]{12}:1: private-key$' "$WORK/out" || fail "secret_scan: $(cat "$WORK/out")"
secret_rejects "a bcrypt htpasswd line" bcrypt-hash users.htpasswd "$(htpasswd -nbB alice "$(openssl rand -hex 12)")"
secret_rejects "an apr1 htpasswd line in a label" md5-crypt-hash stack.yml \
  "        traefik.http.middlewares.a.basicauth.users: \"$(htpasswd -nbm alice "$(openssl rand -hex 12)")\""
secret_rejects "a SHA-512 crypt hash" sha-crypt-hash notes.md "root:$(openssl passwd -6 "$(openssl rand -hex 12)")"
secret_rejects "a swarm join token" swarm-join-token join.sh \
  "docker swarm join --token SWMTKN-1-$(openssl rand -hex 25)-$(openssl rand -hex 12)a 10.0.0.1:2377"
secret_rejects "a GitHub token" github-token ci.sh "GH=gh""p_$(openssl rand -hex 18)"
secret_rejects "a literal password in a stack file" literal-password stack.yml \
  "services:" "  grafana:" "    environment:" "      GF_SECURITY_ADMIN_PASSWORD: admin"
secret_rejects "a literal password in a .env file" literal-password .env "REGISTRY_PASSWORD=hunter2hunter2"
rm -f "$WORK/secrets/.env"
printf 'services:\n  a:\n    environment:\n      A_PASSWORD: ${A_PASSWORD:?}\n      B_PASSWORD_FILE: /run/secrets/b\n' >"$WORK/secrets/ok.yml"
python3 tests/stacks/secret_scan.py "$WORK/secrets" >"$WORK/out" || fail "secret_scan rejected variables and secret paths: $(cat "$WORK/out")"
ok "secret_scan accepts a password from a variable or a secret file"
printf 'SECRET=%s\n' "$(openssl rand -hex 12)" >"$WORK/secrets/ok.env"
printf 'ok.env literal-password  # a made-up value for this test\n' >"$WORK/allow"
python3 tests/stacks/secret_scan.py "$WORK/secrets" --allowlist "$WORK/allow" >"$WORK/out" || fail "secret_scan ignored its allowlist: $(cat "$WORK/out")"
ok "secret_scan takes a hit its allowlist names, with a reason"
printf 'ok.env literal-password\n' >"$WORK/allow"
must_fail "an allowlist entry without a reason (secret_scan)" python3 tests/stacks/secret_scan.py "$WORK/secrets" --allowlist "$WORK/allow"
grep -q 'expected `PATH RULE  # why`' "$WORK/out" || fail "secret_scan: $(cat "$WORK/out")"
printf 'ok.env literal-password  # test\nold.yml bcrypt-hash  # gone\n' >"$WORK/allow"
must_fail "a stale allowlist entry (secret_scan)" python3 tests/stacks/secret_scan.py "$WORK/secrets" --allowlist "$WORK/allow"
grep -q 'allowlist: old.yml bcrypt-hash matches nothing' "$WORK/out" || fail "secret_scan: $(cat "$WORK/out")"

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
