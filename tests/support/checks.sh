# Shared by the static check scripts (sourced, not run): a scratch directory removed at exit,
# ok/fail with a count of checks, and must_fail for the broken copies each checker is shown.
set -euo pipefail
WORK=$(mktemp -d "/tmp/swarmscope-${CHECKS_NAME:-checks}.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
CHECKS=0
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { CHECKS=$((CHECKS + 1)); echo "ok: $*"; }
# must_fail DESCRIPTION COMMAND...: the checker has to reject the broken input.
must_fail() {
  local what=$1; shift
  if "$@" >"$WORK/out" 2>&1; then cat "$WORK/out" >&2; fail "$what was accepted: $*"; fi
  ok "rejects $what"
}
# must_fail_saying DESCRIPTION PATTERN COMMAND...: rejects it, and says why (grep -E PATTERN),
# so that a check failing for another reason does not count.
must_fail_saying() {
  local what=$1 pattern=$2; shift 2
  if "$@" >"$WORK/out" 2>&1; then cat "$WORK/out" >&2; fail "$what was accepted: $*"; fi
  grep -Eq -- "$pattern" "$WORK/out" || { cat "$WORK/out" >&2; fail "$what: rejected, but not saying /$pattern/"; }
  ok "rejects $what"
}
