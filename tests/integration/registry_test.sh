#!/usr/bin/env bash
# stacks/registry for real: the registry built from Debian's docker-registry package (FROM
# scratch, provisioning/debian-images.sh registry) deployed with the stack file on this
# machine's own dockerd and single-node swarm (tests/integration/dockerd.sh), next to the
# monitoring stack (Prometheus from Debian's package) that scrapes it by its labels.
# Checked: what traefik's swarm provider would read (service labels, the task on
# traefik-public, its backend address answering there), unauthenticated and wrongly
# authenticated access refused (401: the API, a pull,
# a push), an image pushed with the htpasswd user, pulled back (docker pull: this dockerd
# never pulls for a task) and a service started from it, the metrics endpoint in
# Prometheus' format (promtool) and its target up in Prometheus, the read-only mode for
# garbage collection (pushes refused, pulls served) and `registry garbage-collect`; and
# provisioning/lab-certificate.sh making
# its wildcard certificate into swarm secrets. traefik is not deployed (no image of it is
# reachable here): the registry is reached at its published port, 127.0.0.1:PORT, which
# dockerd trusts without TLS (127.0.0.0/8 is an insecure registry by default).
#   tests/integration/registry_test.sh
# Nothing leaves the machine: the only registry contacted is this one, on 127.0.0.1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# lib.sh's argument is the collector, which this test does not run.
source "$here/lib.sh" none
docker_cli=/usr/bin/docker
[ -x "$docker_cli" ] || docker_cli=docker
export DOCKER=$docker_cli
# docker login writes its credentials here, not into the user's ~/.docker.
export DOCKER_CONFIG="$WORK/docker-config"
dk="$WORK/dockerd"
teardown() {
  if [ -S "$dk/docker.sock" ]; then
    $docker_cli stack rm registry monitoring >/dev/null 2>&1 || true
  fi
  bash "$here/dockerd.sh" stop "$dk" >/dev/null 2>&1 || true
}
trap 'teardown; cleanup' EXIT

# Its own VXLAN port: this swarm's overlays do not collide with another test swarm's.
eval "export $(DOCKERD_DATA_PATH_PORT=14789 bash "$here/dockerd.sh" start "$dk")"
[ "$($docker_cli info --format '{{.Swarm.Cluster.DataPathPort}}')" = 14789 ] || fail "the swarm's data path port is not 14789"
ok "dockerd with a single-node swarm is up"
bash "$repo/provisioning/debian-images.sh" registry "${TEST_DEB_CACHE:-$WORK/deb}" >/dev/null
bash "$repo/provisioning/debian-images.sh" build "${TEST_DEB_CACHE:-$WORK/deb}" >/dev/null
build_test_image "$docker_cli"
ok "images built: the registry from Debian's docker-registry, Prometheus, Alertmanager and node-exporter (FROM scratch)"

# The users: one, with a random password, in an htpasswd file outside the repository
# (provisioning/htpasswd.sh reads the password from stdin when it is not a terminal).
user=tester
password=$(openssl rand -hex 16)
printf '%s\n' "$password" | bash "$repo/provisioning/htpasswd.sh" "$WORK/registry.htpasswd" "$user" 2>/dev/null
grep -qE "^$user:\\\$2y\\\$10\\\$" "$WORK/registry.htpasswd" || fail "htpasswd.sh wrote no bcrypt line: $(cat "$WORK/registry.htpasswd")"
[ "$(stat -c %a "$WORK/registry.htpasswd")" = 600 ] || fail "htpasswd.sh's file is not mode 0600"
ok "provisioning/htpasswd.sh writes a bcrypt htpasswd line, mode 0600"

reg_port=$(free_port)
prom_port=$(free_port)
export PROMETHEUS_IMAGE=swarmscope-test/prometheus:deb ALERTMANAGER_IMAGE=swarmscope-test/alertmanager:deb \
  NODE_EXPORTER_IMAGE=swarmscope-test/node-exporter:deb REGISTRY_IMAGE=swarmscope-test/registry:deb \
  ENDPOINT_MODE=dnsrr PUBLISH_MODE=host DOCKER_SOCKET="$dk/docker.sock" \
  PROMETHEUS_PORT=$prom_port ALERTMANAGER_PORT=$(free_port) REGISTRY_PORT=$reg_port \
  REGISTRY_HTPASSWD_FILE="$WORK/registry.htpasswd" REGISTRY_HOST=registry.lab.test
# traefik-public is traefik's (stacks/traefik), which cannot run here: made by hand, as the
# traefik stack makes it (an attachable overlay).
$docker_cli network create --driver overlay --attachable traefik-public >/dev/null
$docker_cli stack deploy --resolve-image never -c "$repo/stacks/monitoring/docker-stack.yml" monitoring >/dev/null
$docker_cli stack deploy --resolve-image never -c "$repo/stacks/registry/docker-stack.yml" registry >/dev/null
ok "stacks deployed: monitoring, registry (published on 127.0.0.1:$reg_port)"

reg="http://127.0.0.1:$reg_port"
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }
for _ in $(seq 120); do
  [ "$(code "$reg/v2/")" = 401 ] && break
  sleep 0.5
done
[ "$(code "$reg/v2/")" = 401 ] || fail "the registry does not answer on $reg/v2/: $($docker_cli service ps --no-trunc registry_registry)"
[ "$(code -u "$user:$password" "$reg/v2/")" = 200 ] || fail "the registry refuses its user on /v2/"
[ "$(code -u "$user:wrong-$password" "$reg/v2/")" = 401 ] || fail "the registry takes a wrong password"
curl -s -D "$WORK/headers" -o /dev/null "$reg/v2/"
grep -qi '^www-authenticate: basic realm="registry.lab.test"' "$WORK/headers" ||
  fail "no basic auth challenge for REGISTRY_HOST's realm: $(cat "$WORK/headers")"
ok "the registry answers 401 with a basic challenge without credentials or with a wrong password, 200 to its user"

# What traefik's swarm provider reads (traefik itself cannot run here): the service's
# labels through the API (deploy.labels became service labels, none is a container label),
# the network its traefik.swarm.network names among the task's networks, and the backend
# traefik would call, the task's address on that network at loadbalancer.server.port,
# answering from a container on traefik-public.
$docker_cli service inspect registry_registry --format '{{json .Spec.Labels}}' >"$WORK/service-labels.json"
read -r net port rule < <(python3 -c '
import json, sys
l = json.load(open(sys.argv[1]))
assert l.get("traefik.enable") == "true", l
print(l["traefik.swarm.network"], l["traefik.http.services.registry.loadbalancer.server.port"], l["traefik.http.routers.registry.rule"])
' "$WORK/service-labels.json") || fail "the registry service has no traefik labels: $(cat "$WORK/service-labels.json")"
[ "$rule" = 'Host(`registry.lab.test`)' ] || fail "the router's rule is $rule, not REGISTRY_HOST's"
ctr=$($docker_cli ps -q --filter label=com.docker.swarm.service.name=registry_registry | head -1)
$docker_cli inspect "$ctr" --format '{{json .Config.Labels}}' | grep -q '"traefik\.' &&
  fail "traefik labels on the registry's container, not only on its service"
task_ip=$($docker_cli inspect "$ctr" --format "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" 2>/dev/null || true)
[ -n "$task_ip" ] || fail "the registry's task is not on $net (traefik.swarm.network)"
$docker_cli run --rm --network "$net" swarmscope-test/busybox:1 sh -c "timeout 10 wget -q -O - http://$task_ip:$port/v2/ 2>&1; true" >"$WORK/backend.out"
grep -q '401 Unauthorized' "$WORK/backend.out" || fail "no 401 from the backend $task_ip:$port on $net: $(cat "$WORK/backend.out")"
ok "traefik's view: service labels (not container labels), its task on $net at $task_ip, the backend $task_ip:$port answering (401) on $net"

# An image of its own (a layer with a random marker on the test busybox), pushed with the
# user's credentials.
marker=$(openssl rand -hex 8)
mkdir -p "$WORK/pushed"
printf '%s\n' "$marker" >"$WORK/pushed/marker"
printf 'FROM swarmscope-test/busybox:1\nCOPY marker /marker\n' >"$WORK/pushed/Dockerfile"
image="127.0.0.1:$reg_port/lab/pushed:1"
DOCKER_BUILDKIT=0 $docker_cli build -q -t "$image" "$WORK/pushed" >/dev/null
if $docker_cli push "$image" >"$WORK/push.out" 2>&1; then fail "an unauthenticated push was accepted: $(cat "$WORK/push.out")"; fi
grep -q 'no basic auth credentials' "$WORK/push.out" || fail "the unauthenticated push failed otherwise: $(cat "$WORK/push.out")"
[ "$(code -X POST "$reg/v2/lab/pushed/blobs/uploads/")" = 401 ] || fail "an unauthenticated upload was not refused with 401"
ok "an unauthenticated push is refused (docker push: no basic auth credentials; POST blobs/uploads: 401)"
printf '%s' "$password" | $docker_cli login -u "$user" --password-stdin "127.0.0.1:$reg_port" >/dev/null 2>&1 ||
  fail "docker login to the registry failed"
$docker_cli push "$image" >"$WORK/push.out" 2>&1 || fail "the push failed: $(cat "$WORK/push.out")"
digest=$(grep -oE 'sha256:[0-9a-f]{64}' "$WORK/push.out" | tail -1)
[ -n "$digest" ] || fail "no digest in the push's output: $(cat "$WORK/push.out")"
ok "image pushed with the htpasswd user: $image@$digest"

accept='application/vnd.docker.distribution.manifest.v2+json'
[ "$(code -H "Accept: $accept" "$reg/v2/lab/pushed/manifests/1")" = 401 ] || fail "an unauthenticated manifest pull was not refused"
[ "$(code -H "Accept: $accept" -u "$user:$password" "$reg/v2/lab/pushed/manifests/1")" = 200 ] || fail "the user cannot read the manifest"
[ "$(code "$reg/v2/_catalog")" = 401 ] || fail "an unauthenticated catalog was not refused"
curl -sf -u "$user:$password" "$reg/v2/_catalog" | grep -q '"lab/pushed"' || fail "the catalog does not list lab/pushed"
ok "an unauthenticated pull (manifest, catalog) is refused with 401; the user reads both"

# A service from the pushed image. This dockerd never pulls for a task (its
# DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 is what keeps the swarm from contacting a public
# registry), so the image is pulled with `docker pull` once its local copy is removed:
# refused without credentials, served with them; then the service runs it.
$docker_cli rmi "$image" >/dev/null
$docker_cli image inspect "$image" >/dev/null 2>&1 && fail "the pushed image is still local"
$docker_cli logout "127.0.0.1:$reg_port" >/dev/null
if $docker_cli pull "$image" >"$WORK/pull.out" 2>&1; then fail "an unauthenticated docker pull was served"; fi
grep -qE 'no basic auth credentials|unauthorized' "$WORK/pull.out" || fail "the unauthenticated pull failed otherwise: $(cat "$WORK/pull.out")"
printf '%s' "$password" | $docker_cli login -u "$user" --password-stdin "127.0.0.1:$reg_port" >/dev/null 2>&1
$docker_cli pull "$image" >"$WORK/pull.out" 2>&1 || fail "docker pull with the user failed: $(cat "$WORK/pull.out")"
grep -q "$digest" "$WORK/pull.out" || fail "the pull's digest is not the push's: $(cat "$WORK/pull.out")"
$docker_cli service create -q --detach --no-resolve-image --name from-registry --endpoint-mode dnsrr \
  "$image" sleep 3600 >/dev/null
for _ in $(seq 120); do
  ctr=$($docker_cli ps -q --filter label=com.docker.swarm.service.name=from-registry)
  [ -n "$ctr" ] && break
  sleep 0.5
done
[ -n "$ctr" ] || fail "no task of the service from the registry runs: $($docker_cli service ps --no-trunc from-registry)"
[ "$($docker_cli exec "$ctr" cat /marker)" = "$marker" ] || fail "the service's container does not have the pushed layer"
$docker_cli service logs --raw registry_registry >"$WORK/registry.log" 2>&1 || true
grep -q '"GET /v2/lab/pushed/manifests/1 HTTP/1.1" 200' "$WORK/registry.log" ||
  fail "the registry logged no pull of the manifest: $(tail -20 "$WORK/registry.log")"
$docker_cli service rm from-registry >/dev/null
ok "docker pull refused without credentials; pulled with them (the push's digest); a service runs it (its marker layer in the container)"

# Metrics: the debug listener's /metrics, not published, read on the network "monitoring"
# and checked by promtool; and the target that Prometheus' label discovery made of it.
$docker_cli run --rm --network monitoring swarmscope-test/busybox:1 \
  sh -c 'exec timeout 10 wget -q -O - http://tasks.registry:5001/metrics' >"$WORK/metrics.prom" ||
  fail "no answer from the registry's debug listener on the monitoring network"
grep -q '^registry_http_requests_total{.*handler="manifest"' "$WORK/metrics.prom" ||
  fail "the registry's metrics have no registry_http_requests_total of the manifest handler: $(head -20 "$WORK/metrics.prom")"
promtool check metrics <"$WORK/metrics.prom" >"$WORK/promtool.out" 2>&1 || fail "promtool check metrics: $(cat "$WORK/promtool.out")"
# promtool is shown a broken copy, to prove it rejects one.
sed '0,/^registry_http_requests_total{/s//registry_http_requests_total{{/' "$WORK/metrics.prom" >"$WORK/bad.prom"
promtool check metrics <"$WORK/bad.prom" >/dev/null 2>&1 && fail "promtool check metrics accepted a broken exposition"
ok "the registry's /metrics (debug listener, :5001 on monitoring) parses as Prometheus' exposition format"
prom="http://127.0.0.1:$prom_port"
for _ in $(seq 120); do
  if curl -sf --max-time 5 "$prom/api/v1/query" --data-urlencode 'query=up{job="registry"}' -o "$WORK/up.json" &&
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["data"]["result"]; sys.exit(0 if r and all(x["value"][1]=="1" for x in r) else 1)' "$WORK/up.json"; then
    break
  fi
  sleep 1
done
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["data"]["result"]; sys.exit(0 if r and all(x["value"][1]=="1" for x in r) else 1)' "$WORK/up.json" ||
  fail "Prometheus has no registry target up: $(cat "$WORK/up.json")"
curl -sf "$prom/api/v1/query" --data-urlencode 'query=sum(registry_http_requests_total{job="registry"})' |
  python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; sys.exit(0 if r and float(r[0]["value"][1])>0 else 1)' ||
  fail "Prometheus has no registry_http_requests_total of the registry"
ok "Prometheus scrapes the registry by its labels (job registry up, registry_http_requests_total > 0)"

# Garbage collection as the README says: the registry read-only (REGISTRY_READONLY=true,
# the same stack), then `registry garbage-collect` in its task; pulls go on, pushes do not.
REGISTRY_READONLY=true $docker_cli stack deploy --resolve-image never -c "$repo/stacks/registry/docker-stack.yml" registry >/dev/null
for _ in $(seq 120); do
  ctr=$($docker_cli ps -q --filter label=com.docker.swarm.service.name=registry_registry \
    --filter 'label=com.docker.swarm.task' | head -1)
  if [ -n "$ctr" ] && $docker_cli inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$ctr" |
    grep -q 'REGISTRY_STORAGE_MAINTENANCE_READONLY={"enabled": true}' && [ "$(code -u "$user:$password" "$reg/v2/")" = 200 ]; then
    break
  fi
  ctr=
  sleep 0.5
done
[ -n "$ctr" ] || fail "the read-only registry did not start: $($docker_cli service ps --no-trunc registry_registry)"
[ "$(code -H "Accept: $accept" -u "$user:$password" "$reg/v2/lab/pushed/manifests/1")" = 200 ] || fail "the read-only registry serves no pull"
[ "$(code -X POST -u "$user:$password" "$reg/v2/lab/other/blobs/uploads/")" = 405 ] || fail "the read-only registry takes an upload"
$docker_cli exec "$ctr" /bin/registry garbage-collect --delete-untagged /etc/docker/registry/config.yml >"$WORK/gc.out" 2>&1 ||
  fail "registry garbage-collect failed: $(cat "$WORK/gc.out")"
grep -q 'blobs marked' "$WORK/gc.out" || fail "registry garbage-collect printed no mark phase: $(cat "$WORK/gc.out")"
[ "$(code -H "Accept: $accept" -u "$user:$password" "$reg/v2/lab/pushed/manifests/1")" = 200 ] || fail "the tagged image is gone after garbage collection"
ok "read-only (REGISTRY_READONLY=true): pulls served, uploads refused (405); registry garbage-collect keeps the tagged image"

# provisioning/lab-certificate.sh: a self-signed wildcard certificate straight into secrets.
mkdir -p "$WORK/tmp"
(cd "$WORK" && TMPDIR="$WORK/tmp" CERT_OUT="$WORK/lab.crt" bash "$repo/provisioning/lab-certificate.sh" lab.test 1 >"$WORK/cert.out")
$docker_cli secret inspect traefik_tls_cert_1 traefik_tls_key_1 >/dev/null || fail "lab-certificate.sh made no secrets"
openssl x509 -in "$WORK/lab.crt" -noout -ext subjectAltName | grep -q 'DNS:\*\.lab\.test, DNS:lab\.test' ||
  fail "the lab certificate is not for *.lab.test: $(openssl x509 -in "$WORK/lab.crt" -noout -text)"
[ -z "$(ls -A "$WORK/tmp")" ] || fail "lab-certificate.sh left files in its temporary directory: $(ls -AR "$WORK/tmp")"
grep -q "PRIVATE KEY" "$WORK/lab.crt" && fail "lab-certificate.sh's certificate file holds the key"
if CERT_OUT="$WORK/lab2.crt" bash "$repo/provisioning/lab-certificate.sh" lab.test 1 >"$WORK/cert.out" 2>&1; then
  fail "lab-certificate.sh replaced existing secrets"
fi
grep -q 'exists; use another VERSION' "$WORK/cert.out" || fail "lab-certificate.sh: $(cat "$WORK/cert.out")"
ok "provisioning/lab-certificate.sh: a *.lab.test certificate in the secrets traefik_tls_cert_1/traefik_tls_key_1, no key file left, no overwrite"

echo "registry_test: $CHECKS checks passed"
