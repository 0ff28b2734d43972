#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the style check, unit and server
# tests, integration tests against the real daemon, dockerd and Prometheus, the same under
# ASan/UBSan, and the libFuzzer targets for a bounded time. Then the benchmarks in a short
# mode: they are not tests (not in the tally, never the exit code); their output is kept in
# build/ci/bench.log and the summary repeats every bar not met and every benchmark that
# failed to run.
#   tests/run.sh               everything (what CI runs)
#   FUZZ_SECONDS=60 tests/run.sh
# The last line is `tests: N passed, M failed`; the exit code is 0 when M is 0.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
fuzz_seconds=${FUZZ_SECONDS:-20}
passed=0
failed=0
failures=()

phase() { printf '\n=== %s ===\n' "$*"; }
record() {  # record NAME STATUS
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$1")
  fi
}
# Adds a ctest run's counts ("N tests failed out of M") to the totals.
record_ctest() {  # record_ctest LOG STATUS
  local line total bad
  line=$(grep -E 'tests? failed out of [0-9]+' "$1" | tail -1 || true)
  if [ -z "$line" ]; then
    record "ctest ($1): no result" 1
    return
  fi
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
  passed=$((passed + total - bad))
  failed=$((failed + bad))
  if [ "$bad" -ne 0 ] || [ "$2" -ne 0 ]; then failures+=("ctest: $1"); fi
  if [ "$bad" -eq 0 ] && [ "$2" -ne 0 ]; then failed=$((failed + 1)); fi
}
# tee_run LOG CMD...: runs CMD, its output shown and appended to LOG; returns CMD's status.
tee_run() {
  local log=$1 rc
  shift
  set +e
  "$@" 2>&1 | tee -a "$log"
  rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}
# quiet_run LOG CMD...: runs CMD into LOG and shows what is worth reading of it (no progress
# lines); returns CMD's status.
quiet_run() {
  local log=$1 rc=0
  shift
  "$@" >"$log" 2>&1 || rc=$?
  grep -Ev '^\[ *[0-9]+%\]|^\[[0-9]+/[0-9]+\]|^-- |^(Scanning|Consolidate|Built target)' "$log" || true
  return "$rc"
}
summary() {
  phase "summary"
  local f
  for f in "${failures[@]}"; do echo "failed: $f"; done
  if [ -f build/ci/bench.log ]; then
    grep 'NOT met' build/ci/bench.log | sed 's/^/benchmark bar not met: /' || true
    grep -E '^benchmark .*(failed to run|skipped)' build/ci/bench.log || true
    echo "benchmarks (reported, not counted): $(grep -cE '^bar .*: met$' build/ci/bench.log || true) bars met," \
      "$(grep -c 'NOT met' build/ci/bench.log || true) not met; output in build/ci/bench.log"
  fi
  echo "tests: $passed passed, $failed failed"
}

phase "dependencies"
bash provisioning/install-deps.sh test || { echo "installing dependencies failed"; exit 1; }
missing=()
for tool in cmake c++ clang clang++ clang-format clang-tidy curl wrk python3; do
  if ! command -v "$tool" >/dev/null; then missing+=("$tool"); fi
done
if [ ${#missing[@]} -ne 0 ]; then
  echo "missing after provisioning/install-deps.sh test: ${missing[*]} (add their packages there)"
  exit 1
fi

phase "build (warnings are errors)"
mkdir -p build/ci
build_status=0
quiet_run build/ci/configure.log cmake -S . -B build/ci -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSWARMSCOPE_WERROR=ON || build_status=$?
if [ "$build_status" -eq 0 ]; then
  quiet_run build/ci/build.log cmake --build build/ci -j"$jobs" || build_status=$?
fi
if [ "$build_status" -ne 0 ]; then
  echo "build failed"
  record build 1
  summary
  exit 1
fi

phase "style: clang-format and braces (tests/style_check.sh)"
style_status=0
: >build/ci/style.log
tee_run build/ci/style.log bash tests/style_check.sh --build build/ci || style_status=$?
record "style check (tests/style_check.sh; fix: tests/style_check.sh --fix)" "$style_status"

phase "unit, server and integration tests"
ctest_status=0
: >build/ci/ctest.log
tee_run build/ci/ctest.log ctest --test-dir build/ci -j"$jobs" --output-on-failure || ctest_status=$?
record_ctest build/ci/ctest.log "$ctest_status"

phase "every test again under ASan/UBSan (the daemon in the integration tests too; not the swarm e2e test, whose image has a 64 MiB limit)"
mkdir -p build/asan
asan_status=0
quiet_run build/asan/configure.log cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug \
  -DSWARMSCOPE_WERROR=ON -DSANITIZE=address,undefined || asan_status=$?
if [ "$asan_status" -eq 0 ]; then
  quiet_run build/asan/build.log cmake --build build/asan -j"$jobs" || asan_status=$?
fi
if [ "$asan_status" -ne 0 ]; then
  echo "asan build failed (build/asan/build.log)"
  record "asan build" 1
else
  : >build/asan/ctest.log
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    tee_run build/asan/ctest.log ctest --test-dir build/asan -j"$jobs" --output-on-failure -LE e2e ||
    asan_status=$?
  record_ctest build/asan/ctest.log "$asan_status"
fi

phase "libFuzzer targets (build/fuzz/fuzz_targets.txt), ${fuzz_seconds}s each"
mkdir -p build/fuzz
fuzz_status=0
CC=clang CXX=clang++ quiet_run build/fuzz/configure.log cmake -S . -B build/fuzz \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWARMSCOPE_FUZZ=ON \
  -DSANITIZE=address,undefined,fuzzer-no-link || fuzz_status=$?
targets=()
if [ "$fuzz_status" -eq 0 ]; then
  while IFS= read -r t; do
    if [ -n "$t" ]; then targets+=("$t"); fi
  done <build/fuzz/fuzz_targets.txt
  if [ ${#targets[@]} -eq 0 ]; then
    echo "build/fuzz/fuzz_targets.txt lists no fuzz target"
    fuzz_status=1
  else
    quiet_run build/fuzz/build.log cmake --build build/fuzz -j"$jobs" --target fuzz_all || fuzz_status=$?
  fi
fi
if [ "$fuzz_status" -ne 0 ]; then
  echo "fuzz build failed (build/fuzz/configure.log, build/fuzz/build.log)"
  record "fuzz build" 1
else
  for target in "${targets[@]}"; do
    # Exporters' targets are built in their folders, the core's in tests/fuzz.
    bin=$(find build/fuzz -path build/fuzz/CMakeFiles -prune -o -type f -name "$target" -perm -u+x -print -quit)
    if [ -z "$bin" ]; then
      echo "$target: FAILED (no binary under build/fuzz)"
      record "$target" 1
      continue
    fi
    # The first directory collects what the run finds; the seeds in the tree are read only.
    corpora=("build/fuzz/corpus/$target")
    mkdir -p "${corpora[0]}"
    if [ -d "tests/fuzz/corpus/$target" ]; then corpora+=("tests/fuzz/corpus/$target"); fi
    if "$bin" -max_total_time="$fuzz_seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
      "${corpora[@]}" >"build/fuzz/$target.log" 2>&1; then
      runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "build/fuzz/$target.log" | grep -o '[0-9]*$' || true)
      echo "$target: ok (${runs:-?} runs, corpus ${corpora[*]})"
      record "$target" 0
    else
      echo "$target: FAILED"
      tail -40 "build/fuzz/$target.log"
      record "$target" 1
    fi
  done
fi

phase "benchmarks, short (reported, not tests; the numbers in tests/bench/RESULTS.md come from tests/bench/run.sh)"
: >build/ci/bench.log
bench_status=0
BENCH_QUICK=1 tee_run build/ci/bench.log bash tests/bench/run.sh build/ci || bench_status=$?
if [ "$bench_status" -ne 0 ] && ! grep -q 'failed to run' build/ci/bench.log; then
  echo "benchmark tests/bench/run.sh failed to run (exit $bench_status)" | tee -a build/ci/bench.log
fi
echo
if [ "$(id -u)" -eq 0 ] && command -v dockerd >/dev/null && command -v docker >/dev/null; then
  bench_status=0
  tee_run build/ci/bench.log bash tests/bench/docker_bench.sh build/ci 20 || bench_status=$?
  if [ "$bench_status" -ne 0 ]; then
    echo "benchmark docker failed to run (exit $bench_status)" | tee -a build/ci/bench.log
  fi
else
  echo "benchmark docker skipped: tests/bench/docker_bench.sh needs root, dockerd and docker" |
    tee -a build/ci/bench.log
fi

# The VM stage: three VMs built and provisioned by provisioning/, alone after everything else
# (the VMs take both cores); its timeout is the stage's bound. Under emulated CPUs it takes
# longer here than CI's budget allows (README, "Build a cluster"): run with VM_STAGE=1.
if [ "${VM_STAGE:-0}" = 1 ]; then
  phase "provisioning: three VMs built and provisioned by provisioning/ (tests/provisioning/cluster_test.py)"
  prov_status=0
  : >build/ci/provisioning.log
  tee_run build/ci/provisioning.log timeout --kill-after=60 "${PROVISIONING_TIMEOUT:-5400}" \
    python3 tests/provisioning/cluster_test.py build/ci || prov_status=$?
  [ "$prov_status" -ne 124 ] || echo "provisioning: stopped after ${PROVISIONING_TIMEOUT:-5400} s" | tee -a build/ci/provisioning.log
  if [ "$prov_status" -ne 0 ]; then VM_DIR=build/ci/vms bash provisioning/vm/cluster.sh down >/dev/null 2>&1 || true; fi
  record "provisioning (tests/provisioning/cluster_test.py; build/ci/provisioning.log)" "$prov_status"
fi

summary
[ "$failed" -eq 0 ]
