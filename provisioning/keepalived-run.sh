#!/bin/sh
# The keepalived image's entry point (provisioning/build-keepalived-image.sh): keepalived in
# the foreground, and a loop that asks it for its dumps every KEEPALIVED_DUMP_INTERVAL
# seconds, so that swarmscope can read them without ever signalling keepalived.
#
#   KEEPALIVED_DUMP_DIR       /run/keepalived-dumps  keepalived's TMPDIR: keepalived.data,
#                                                     .stats and .json are written there (a
#                                                     volume swarmscope mounts read-only)
#   KEEPALIVED_DUMP_INTERVAL  5                       seconds between dumps; 0: none
#   KEEPALIVED_CONF           /etc/keepalived/keepalived.conf
# Arguments are passed on to keepalived (e.g. --config-id NAME; the default config id is
# the host name, which `@name` lines of keepalived.conf select on).
#
# keepalived stays a child of this shell (PID 1 of the container): the signals are sent by
# this loop to that child, which is what `docker kill -s USR1` cannot do when keepalived is
# not PID 1. SIGTERM (docker stop) is passed on, so keepalived leaves gracefully: it sends a
# priority-0 advert and removes its addresses, and a backup takes over within a second.
set -eu
dump_dir=${KEEPALIVED_DUMP_DIR:-/run/keepalived-dumps}
interval=${KEEPALIVED_DUMP_INTERVAL:-5}
conf=${KEEPALIVED_CONF:-/etc/keepalived/keepalived.conf}
keepalived=/usr/sbin/keepalived

case "$interval" in
  '' | *[!0-9]*) echo "keepalived-run: KEEPALIVED_DUMP_INTERVAL is not a number of seconds: $interval" >&2; exit 2 ;;
esac
[ -r "$conf" ] || { echo "keepalived-run: no configuration at $conf" >&2; exit 2; }
# The image has no mkdir: the directory is the mounted volume (or made by the image).
[ -d "$dump_dir" ] || { echo "keepalived-run: no directory $dump_dir for the dumps" >&2; exit 2; }
export TMPDIR="$dump_dir"

# The signal numbers differ between builds: ask this keepalived (2.x). JSON may not be
# compiled in; then there is no JSON dump, and the data and stats dumps are enough.
signals=
for what in DATA STATS JSON; do
  if number=$("$keepalived" --signum="$what" 2>/dev/null) && [ -n "$number" ]; then
    signals="$signals $number"
  fi
done

"$keepalived" --dont-fork --log-console -f "$conf" -p /run/keepalived.pid \
  -r /run/keepalived_vrrp.pid -c /run/keepalived_checkers.pid "$@" &
pid=$!
stopping=
trap 'stopping=1; kill -TERM "$pid" 2>/dev/null || true' TERM INT

# `wait` returns early when a trapped signal arrives; the loops then see keepalived leave.
while [ "$interval" -gt 0 ] && [ -z "$stopping" ] && kill -0 "$pid" 2>/dev/null; do
  sleep "$interval" &
  wait $! || true
  [ -z "$stopping" ] || break
  for number in $signals; do
    kill -"$number" "$pid" 2>/dev/null || true
  done
done
# Its exit status, also when it left by itself (a configuration error) during a sleep.
status=0
wait "$pid" || status=$?
while kill -0 "$pid" 2>/dev/null; do
  if wait "$pid"; then status=0; else status=$?; fi
done
exit "$status"
