#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit and server tests, the same
# under ASan/UBSan, libFuzzer targets for a bounded time, integration tests against the
# real daemon and a real Prometheus, and the benchmarks in a short mode.
#   tests/run.sh               everything (what CI runs)
#   FUZZ_SECONDS=60 tests/run.sh
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)
fuzz_seconds=${FUZZ_SECONDS:-20}
passed=0
failed=0
failures=()

phase() { printf '\n=== %s ===\n' "$*"; }
record() {  # record NAME STATUS
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$1"); fi
}
# Adds a ctest run's counts ("N tests failed out of M") to the totals.
record_ctest() {  # record_ctest LOG STATUS
  local line total bad
  line=$(grep -E 'tests? failed out of [0-9]+' "$1" | tail -1)
  if [ -z "$line" ]; then record "ctest ($1)" 1; return; fi
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
  passed=$((passed + total - bad)); failed=$((failed + bad))
  if [ "$bad" -ne 0 ] || [ "$2" -ne 0 ]; then failures+=("ctest: $(basename "$1")"); fi
  if [ "$bad" -eq 0 ] && [ "$2" -ne 0 ]; then failed=$((failed + 1)); fi
}

phase "dependencies"
bash provisioning/install-deps.sh test || { echo "installing dependencies failed"; exit 1; }

phase "build (warnings are errors)"
cmake -S . -B build/ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWARMSCOPE_WERROR=ON >/dev/null &&
  cmake --build build/ci -j"$jobs" 2>&1 | grep -Ev '^\[|^-- ' ; build_status=${PIPESTATUS[0]}
if [ "$build_status" -ne 0 ]; then echo "build failed"; echo "0 passed, 1 failed"; exit 1; fi

phase "unit, server and integration tests"
(cd build/ci && ctest -j"$jobs" --output-on-failure) 2>&1 | tee build/ci/ctest.log
record_ctest build/ci/ctest.log "${PIPESTATUS[0]}"

phase "every test again under ASan/UBSan (the daemon in the integration tests too; not the swarm e2e test, whose image has a 64 MiB limit)"
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DSWARMSCOPE_WERROR=ON \
  -DSANITIZE=address,undefined >/dev/null &&
  cmake --build build/asan -j"$jobs" --target unit_tests swarmscope 2>&1 | grep -Ev '^\[|^-- '
if [ "${PIPESTATUS[0]}" -ne 0 ]; then
  record "asan build" 1
else
  (cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest -j"$jobs" --output-on-failure -LE e2e) 2>&1 | tee build/asan/ctest.log
  record_ctest build/asan/ctest.log "${PIPESTATUS[0]}"
fi

phase "libFuzzer targets, ${fuzz_seconds}s each"
CC=clang CXX=clang++ cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSWARMSCOPE_FUZZ=ON -DSANITIZE=address,undefined,fuzzer-no-link >/dev/null &&
  cmake --build build/fuzz -j"$jobs" --target fuzz_http_request fuzz_metric_writer fuzz_parsers fuzz_cgroup_parsers fuzz_docker_parsers \
    2>&1 | grep -Ev '^\[|^-- '
if [ "${PIPESTATUS[0]}" -ne 0 ]; then
  record "fuzz build" 1
else
  for target in fuzz_http_request fuzz_metric_writer fuzz_parsers fuzz_cgroup_parsers fuzz_docker_parsers; do
    corpus=build/fuzz/corpus/$target
    mkdir -p "$corpus"
    cp -n tests/fuzz/corpus/$target/* "$corpus/" 2>/dev/null
    if build/fuzz/tests/fuzz/$target -max_total_time="$fuzz_seconds" -timeout=5 \
      -rss_limit_mb=2048 -print_final_stats=1 "$corpus" >build/fuzz/$target.log 2>&1; then
      echo "$target: ok ($(grep -o 'stat::number_of_executed_units: *[0-9]*' build/fuzz/$target.log | grep -o '[0-9]*$') runs)"
      record "$target" 0
    else
      echo "$target: FAILED"; tail -40 build/fuzz/$target.log
      record "$target" 1
    fi
  done
fi

phase "benchmarks (short; numbers recorded in tests/bench/RESULTS.md come from tests/bench/run.sh)"
if BENCH_QUICK=1 bash tests/bench/run.sh build/ci; then record benchmarks 0; else record benchmarks 1; fi

phase "summary"
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
