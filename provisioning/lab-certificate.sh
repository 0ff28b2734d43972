#!/usr/bin/env bash
# A self-signed wildcard certificate for a lab's traefik (stacks/traefik/certificates.yml),
# made straight into swarm secrets: the key is written to a private temporary directory,
# given to `docker secret create` and deleted; nothing is written into the repository.
#   provisioning/lab-certificate.sh DOMAIN [VERSION]
# DOMAIN: the lab's domain (the certificate is for *.DOMAIN and DOMAIN); VERSION (default 1)
# names the secrets traefik_tls_cert_VERSION and traefik_tls_key_VERSION (TLS_SECRET_VERSION).
# Prints the certificate's path for clients to trust (CERT_OUT, default ./DOMAIN.crt): e.g.
# /etc/docker/certs.d/registry.DOMAIN/ca.crt on every node, for the registry.
# Run it on a manager. Debian's openssl; RSA 2048, valid LAB_CERT_DAYS (default 825) days.
set -euo pipefail
domain=${1:?usage: $0 DOMAIN [VERSION]}
version=${2:-1}
days=${LAB_CERT_DAYS:-825}
out=${CERT_OUT:-./$domain.crt}
docker_cli=${DOCKER:-docker}
[[ $domain =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] || { echo "lab-certificate: bad domain: $domain" >&2; exit 2; }
for name in "traefik_tls_cert_$version" "traefik_tls_key_$version"; do
  if "$docker_cli" secret inspect "$name" >/dev/null 2>&1; then
    echo "lab-certificate: the secret $name exists; use another VERSION (secrets are immutable)" >&2
    exit 1
  fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 700 "$tmp"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
  -keyout "$tmp/tls.key" -out "$tmp/tls.crt" -subj "/CN=*.$domain" \
  -addext "subjectAltName=DNS:*.$domain,DNS:$domain" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign" \
  -addext "extendedKeyUsage=serverAuth" 2>/dev/null
"$docker_cli" secret create "traefik_tls_cert_$version" "$tmp/tls.crt" >/dev/null
"$docker_cli" secret create "traefik_tls_key_$version" "$tmp/tls.key" >/dev/null
cp "$tmp/tls.crt" "$out"
echo "secrets traefik_tls_cert_$version and traefik_tls_key_$version created (*.$domain, $days days)"
echo "certificate for clients to trust: $out"
