#!/usr/bin/env bash
# The daemon binary as a user runs it: output valid per promtool, HTTP behaviour, flag
# errors, and SIGTERM with a connection open.
#   tests/integration/daemon_test.sh build/ci/swarmscope
source "$(dirname "$0")/lib.sh"

start_swarmscope main
url="http://127.0.0.1:$PORT"

curl -sf "$url/metrics" >"$WORK/scrape.txt" || fail "GET /metrics"
promtool check metrics <"$WORK/scrape.txt" || fail "promtool check metrics: $(promtool check metrics <"$WORK/scrape.txt" 2>&1)"
ok "promtool check metrics passes on a scrape"
grep -q '^swarmscope_build_info{' "$WORK/scrape.txt" || fail "no swarmscope_build_info"
grep -q '^process_resident_memory_bytes ' "$WORK/scrape.txt" || fail "no process metrics"
ok "self metrics present"

curl -sf --compressed -o "$WORK/z.txt" -D "$WORK/z.headers" "$url/metrics" || fail "gzip scrape"
grep -qi '^content-encoding: gzip' "$WORK/z.headers" || fail "no gzip encoding"
promtool check metrics <"$WORK/z.txt" || fail "gzip body invalid"
ok "gzip"

[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")" = 200 ] || fail "/healthz"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/nope")" = 404 ] || fail "404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/metrics")" = 405 ] || fail "405"
[ "$(curl -s -o /dev/null -w '%{http_code}' -I "$url/metrics")" = 200 ] || fail "HEAD"
curl -sf "$url/" >"$WORK/landing.html" || fail "GET /"
grep -q '<h1>swarmscope</h1>' "$WORK/landing.html" || fail "landing page"
ok "status codes"

# Flag errors: one line on stderr, exit 2.
set +e
"$SWARMSCOPE" --no-such-flag >"$WORK/out" 2>"$WORK/err"; rc=$?
set -e
[ "$rc" = 2 ] || fail "unknown flag exit code $rc"
[ "$(wc -l <"$WORK/err")" = 1 ] || fail "unknown flag message: $(cat "$WORK/err")"
set +e
SWARMSCOPE_SCRAPE_TIMEOUT=soon "$SWARMSCOPE" 2>"$WORK/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q SWARMSCOPE_SCRAPE_TIMEOUT "$WORK/err" || fail "bad env: $rc $(cat "$WORK/err")"
ok "flag and env errors exit 2 with one line"

# A taken port: clear message, non-zero exit.
set +e
"$SWARMSCOPE" --web.listen-address="127.0.0.1:$PORT" >"$WORK/taken.log" 2>&1; rc=$?
set -e
[ "$rc" = 1 ] && grep -q 'cannot listen' "$WORK/taken.log" || fail "port taken: $rc $(cat "$WORK/taken.log")"
ok "port in use is a start-up error"

"$SWARMSCOPE" --version >"$WORK/version" && grep -q '^swarmscope ' "$WORK/version" || fail "--version"
"$SWARMSCOPE" --help >"$WORK/help" && grep -q 'SWARMSCOPE_WEB_LISTEN_ADDRESS' "$WORK/help" || fail "--help"
ok "--version and --help"

# Configuration from the environment, as a swarm service sets it.
SWARMSCOPE_WEB_TELEMETRY_PATH=/m SWARMSCOPE_LOG_FORMAT=json start_swarmscope env
curl -sf "http://127.0.0.1:$PORT/m" >"$WORK/m.txt" || fail "GET /m"
grep -q '^swarmscope_build_info' "$WORK/m.txt" || fail "env telemetry path"
grep -q '"msg":"swarmscope started"' "$WORK/env.log" || fail "json log"
ok "environment configuration"

# SIGTERM with an idle keep-alive connection and one in the middle of a request: exit 0
# within 2 s.
python3 - "$PORT" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
s.recv(4096)
t = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t.sendall(b"GET /metrics HTTP/1.1\r\nHo")
time.sleep(10)
PY
holder=$!
sleep 0.5
start=$(date +%s%N)
kill -TERM "$PID"
set +e
wait "$PID"; rc=$?
set -e
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
kill "$holder" 2>/dev/null || true
[ "$rc" = 0 ] || fail "exit code after SIGTERM: $rc"
[ "$elapsed_ms" -lt 2000 ] || fail "SIGTERM took ${elapsed_ms} ms"
grep -q 'msg=stopped\|"msg":"stopped"' "$WORK/env.log" || fail "no clean stop in log"
ok "SIGTERM: exit 0 in ${elapsed_ms} ms with connections open"

echo "daemon_test: $CHECKS checks passed"
