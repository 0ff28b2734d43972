#!/usr/bin/env bash
# An htpasswd file for traefik's basic auth (TRAEFIK_USERS_FILE) or the registry
# (REGISTRY_HTPASSWD_FILE): bcrypt hashes, the only kind the registry reads, made by
# Debian's apache2-utils `htpasswd -B`. The password is read from the terminal (or stdin),
# never from the command line, and only the hash is written.
#   provisioning/htpasswd.sh FILE USER     # adds USER to FILE (creates it, mode 0600)
# Keep FILE outside the repository (tests/stacks/secret_scan.py fails on a committed hash);
# `docker stack deploy` copies it into a swarm secret.
set -euo pipefail
file=${1:?usage: $0 FILE USER}
user=${2:?usage: $0 FILE USER}
command -v htpasswd >/dev/null || bash "$(dirname "$0")/install-deps.sh" packages apache2-utils
if [ -t 0 ]; then
  read -r -s -p "password for $user: " pw; echo >&2
  read -r -s -p "again: " pw2; echo >&2
  [ "$pw" = "$pw2" ] || { echo "htpasswd: the passwords differ" >&2; exit 1; }
else
  read -r pw
fi
[ ${#pw} -ge 12 ] || { echo "htpasswd: use at least 12 characters" >&2; exit 1; }
umask 077
[ -f "$file" ] || : >"$file"
# -i: the password from stdin; -B: bcrypt, cost 10.
printf '%s\n' "$pw" | htpasswd -i -B -C 10 "$file" "$user" 2>/dev/null
echo "$user added to $file" >&2
