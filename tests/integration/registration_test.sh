#!/usr/bin/env bash
# "A new data source is one folder and one line": adds the example exporter
# (tests/fixtures/example_exporter) to a copy of the tree as a newcomer would, proves with git
# that nothing but exporters/example/** and one add_subdirectory() line changed, builds the
# copy and checks that the exporter is everywhere it should be: --help, /metrics with
# swarmscope_scrape_collector_success 1, its gtest executable, its fuzz target, the README's
# generated tables. Then an exporter whose optional library is missing must drop out cleanly.
#
#   tests/integration/registration_test.sh [REPO]     REPO: a git checkout (default: this one)
#
# It compiles a copy of the tree (the daemon, docgen and the example's tests; -O0, about a
# minute on 2 cores). Everything stays under one temp dir; the daemon listens on 127.0.0.1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "${1:-$here/../..}" && pwd)
# lib.sh: WORK (removed at exit), PIDS (killed at exit), fail, ok, start_swarmscope. The
# binary is known once the copy is built.
source "$here/lib.sh" "(not built yet)"
tree=$WORK/tree
build=$WORK/build
jobs=$(nproc)
generator=()  # Ninja when there is one, unless CMAKE_GENERATOR says otherwise
if [ -z "${CMAKE_GENERATOR:-}" ] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
git_copy() {
  git -C "$tree" -c user.name=registration-test -c user.email=test@localhost -c commit.gpgsign=false "$@"
}
git_repo() { git -C "$repo" -c safe.directory="$repo" "$@"; }

echo "== copy of the tracked tree of $repo"
git_repo rev-parse --git-dir >/dev/null 2>&1 || fail "$repo is not a git checkout"
mkdir -p "$tree"
# Tracked files, and new files not yet committed (not ignored ones: no build dirs); files
# deleted in the work tree are skipped.
(cd "$repo" && git_repo ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do
    if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
  done | tar --null -T - -cf -) | tar -xf - -C "$tree"
[ -f "$tree/exporters/CMakeLists.txt" ] || fail "the copy has no exporters/CMakeLists.txt"
[ -d "$tree/tests/fixtures/example_exporter" ] || fail "the copy has no tests/fixtures/example_exporter"
git_copy init -q
git_copy add -A
git_copy commit -qm "the tree before the example exporter"
ok "copied $(git_copy ls-files | wc -l) files and committed them in $tree"

echo "== add the example exporter: its folder and one line"
cp -r "$tree/tests/fixtures/example_exporter" "$tree/exporters/example"
# After the last add_subdirectory() line before swarmscope_exporter_table() (or right before
# that call when there is none).
add_exporter_line() {  # add_exporter_line NAME
  local list=$tree/exporters/CMakeLists.txt
  awk -v line="add_subdirectory($1)" '
    { lines[NR] = $0 }
    /^add_subdirectory\(/ && !table { last = NR }
    /^swarmscope_exporter_table\(\)/ && !table { table = NR }
    END {
      if (!table) { exit 1 }
      at = last ? last : table - 1
      for (i = 1; i <= NR; i++) { print lines[i]; if (i == at) { print line } }
      if (at == 0) { exit 1 }
    }' "$list" >"$list.new" || fail "exporters/CMakeLists.txt has no swarmscope_exporter_table() call"
  mv "$list.new" "$list"
}
add_exporter_line example

git_copy status --porcelain --untracked-files=all >"$WORK/status.txt"
git_copy diff --stat
cat "$WORK/status.txt"
unexpected=$(grep -Ev '^\?\? exporters/example/|^ M exporters/CMakeLists.txt$' "$WORK/status.txt" || true)
[ -z "$unexpected" ] || fail "the change touches more than exporters/example/ and exporters/CMakeLists.txt: $unexpected"
[ "$(grep -c '^?? exporters/example/' "$WORK/status.txt")" -eq "$(find "$tree/exporters/example" -type f | wc -l)" ] ||
  fail "not every file of exporters/example/ is new"
[ "$(git_copy diff --numstat)" = "$(printf '1\t0\texporters/CMakeLists.txt')" ] ||
  fail "exporters/CMakeLists.txt: expected exactly one added line, got: $(git_copy diff --numstat)"
git_copy diff -U0 exporters/CMakeLists.txt | grep -E '^\+[^+]' >"$WORK/added.txt" || true
[ "$(cat "$WORK/added.txt")" = "+add_subdirectory(example)" ] ||
  fail "the added line is not add_subdirectory(example): $(cat "$WORK/added.txt")"
line_of() { grep -n -m1 -E "$1" "$tree/exporters/CMakeLists.txt" | cut -d: -f1; }
[ "$(line_of '^add_subdirectory\(example\)$')" -lt "$(line_of '^swarmscope_exporter_table\(\)')" ] ||
  fail "add_subdirectory(example) is not before swarmscope_exporter_table()"
ok "only exporters/example/** ($(grep -c '^??' "$WORK/status.txt") files) and one line of exporters/CMakeLists.txt changed"

echo "== configure and build (swarmscope, example_tests, docgen)"
cmake -S "$tree" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0 \
  -DSWARMSCOPE_WERROR=ON -DSWARMSCOPE_FUZZ=OFF >"$WORK/configure.log" 2>&1 ||
  fail "configure failed: $(tail -30 "$WORK/configure.log")"
grep -E '^-- swarmscope: exporters: .*\bexample\b' "$WORK/configure.log" >/dev/null ||
  fail "configure does not list the example exporter: $(grep 'swarmscope:' "$WORK/configure.log")"
ok "configured: $(grep -E '^-- swarmscope: exporters:' "$WORK/configure.log" | sed 's/^-- //')"
cmake --build "$build" -j"$jobs" --target swarmscope example_tests docgen >"$WORK/build.log" 2>&1 ||
  fail "build failed: $(grep -E -A5 'error|Error' "$WORK/build.log" | head -60)"
ok "built swarmscope, example_tests and docgen"
SWARMSCOPE=$build/swarmscope

echo "== the fuzz target is listed (SWARMSCOPE_FUZZ=ON with clang, configure only)"
if ! command -v clang++ >/dev/null; then fail "clang++ is missing (provisioning/install-deps.sh test installs it)"; fi
CC=clang CXX=clang++ cmake -S "$tree" -B "$WORK/fuzz" "${generator[@]}" -DSWARMSCOPE_FUZZ=ON \
  >"$WORK/fuzz-configure.log" 2>&1 || fail "fuzz configure failed: $(tail -30 "$WORK/fuzz-configure.log")"
grep -qx fuzz_example "$WORK/fuzz/fuzz_targets.txt" ||
  fail "fuzz_example is not in fuzz_targets.txt: $(tr '\n' ' ' <"$WORK/fuzz/fuzz_targets.txt")"
cmake --build "$WORK/fuzz" --target help >"$WORK/fuzz-targets.txt"
grep -qw 'fuzz_example' "$WORK/fuzz-targets.txt" || fail "the fuzz build has no target fuzz_example"
ok "fuzz_targets.txt lists fuzz_example next to $(($(grep -c . "$WORK/fuzz/fuzz_targets.txt") - 1)) others"

echo "== swarmscope --help"
"$SWARMSCOPE" --help >"$WORK/help.txt" 2>&1 || fail "--help failed: $(cat "$WORK/help.txt")"
grep -qF -- '--[no-]collector.example' "$WORK/help.txt" || fail "--help does not list --collector.example"
grep -qF -- '--example.value=VALUE' "$WORK/help.txt" || fail "--help does not list --example.value"
ok "--help lists --[no-]collector.example and --example.value"

echo "== the daemon serves the example"
start_swarmscope example --collector.disable-defaults --collector.example --example.value=1234
curl -sf "http://127.0.0.1:$PORT/metrics" -o "$WORK/metrics.txt" || fail "GET /metrics failed"
grep -qx 'example_value{source="flag"} 1234' "$WORK/metrics.txt" ||
  fail "no example_value{source=\"flag\"} 1234: $(grep example "$WORK/metrics.txt" || true)"
grep -qE '^# HELP example_value .*source' "$WORK/metrics.txt" || fail "example_value's HELP does not name its source"
grep -qx 'swarmscope_scrape_collector_success{collector="example"} 1' "$WORK/metrics.txt" ||
  fail "no success 1 for the example: $(grep scrape_collector_success "$WORK/metrics.txt" || true)"
[ "$(grep -c '^swarmscope_scrape_collector_success{' "$WORK/metrics.txt")" -eq 1 ] ||
  fail "collectors besides the example ran: $(grep scrape_collector_success "$WORK/metrics.txt")"
ok "/metrics: example_value 1234 and swarmscope_scrape_collector_success{collector=\"example\"} 1"
kill "$PID"
wait "$PID" 2>/dev/null || true

echo "== example_tests (through ctest: label unit)"
[ -x "$build/exporters/example/example_tests" ] || fail "no example_tests executable in exporters/example"
ctest --test-dir "$build" -L '^unit$' -R '^example\.' --output-on-failure >"$WORK/example_tests.log" 2>&1 ||
  fail "example_tests failed: $(tail -40 "$WORK/example_tests.log")"
want=$(grep -c '^TEST(' "$tree/exporters/example/example_exporter_test.cc")
grep -q "100% tests passed, 0 tests failed out of $want\$" "$WORK/example_tests.log" ||
  fail "ctest did not run the example's $want tests: $(tail -5 "$WORK/example_tests.log")"
ok "example_tests: ctest -L unit ran and passed its $want tests"

echo "== docgen: the README's tables"
docgen=$build/tests/docgen
if "$docgen" --check "$tree/README.md" 2>"$WORK/docgen-before.txt"; then
  fail "docgen --check passes on a README that has no metrics block for the example"
fi
cat "$WORK/docgen-before.txt"
grep -q 'metrics:example' "$WORK/docgen-before.txt" || fail "docgen --check does not name the example's block"
# The example adds flags and a metric table; any other stale block was stale before.
other=$(grep -v -e 'metrics:example' -e ' flags block' "$WORK/docgen-before.txt" || true)
[ -z "$other" ] || fail "the README was stale before the example was added (run the readme target): $other"
ok "docgen --check fails on the unchanged README and names metrics:example"
"$docgen" --write "$tree/README.md" || fail "docgen --write failed"
"$docgen" --check "$tree/README.md" 2>"$WORK/docgen-after.txt" ||
  fail "docgen --check still fails after docgen --write: $(cat "$WORK/docgen-after.txt")"
git_copy diff README.md >"$WORK/readme.diff"
grep -q '^+.*`example_value`' "$WORK/readme.diff" || fail "the README's new block has no example_value row"
grep -q '^+.*--example\.value' "$WORK/readme.diff" || fail "the README's flag table has no --example.value row"
ok "docgen --write adds the example's rows and blocks; --check passes"

echo "== an exporter whose optional library is missing drops out"
missing=$tree/exporters/nosuchlib
mkdir -p "$missing"
cat >"$missing/CMakeLists.txt" <<'EOF'
swarmscope_exporter(
  NAME nosuchlib
  SPEC swarmscope::nosuchlib::NoSuchLibExporterSpec
  HEADER exporters/nosuchlib/nosuchlib.h
  SOURCES nosuchlib.cc
  LIBS NoSuch::lib
  TESTS nosuchlib_test.cc
  FUZZ fuzz_nosuchlib.cc
)
EOF
for f in nosuchlib.h nosuchlib.cc nosuchlib_test.cc fuzz_nosuchlib.cc; do
  printf '#error "compiled although NoSuch::lib does not exist"\n' >"$missing/$f"
done
add_exporter_line nosuchlib
cmake -S "$tree" -B "$build" >"$WORK/configure2.log" 2>&1 ||
  fail "configure with a missing library failed: $(tail -30 "$WORK/configure2.log")"
grep -q 'the nosuchlib exporter is left out: NoSuch::lib was not found' "$WORK/configure2.log" ||
  fail "configure does not say that nosuchlib is left out: $(grep 'swarmscope:' "$WORK/configure2.log")"
if grep -E '^-- swarmscope: exporters: .*\bnosuchlib\b' "$WORK/configure2.log"; then
  fail "nosuchlib is in the exporter table"
fi
ok "configure succeeds and says: $(grep -o 'the nosuchlib exporter is left out.*' "$WORK/configure2.log")"
cmake --build "$build" -j"$jobs" --target swarmscope docgen >"$WORK/build2.log" 2>&1 ||
  fail "build with a missing library failed: $(grep -E -A5 'error|Error' "$WORK/build2.log" | head -60)"
cmake --build "$build" --target help >"$WORK/targets.txt"
if grep -Ew 'exporter_nosuchlib|nosuchlib_tests|fuzz_nosuchlib' "$WORK/targets.txt"; then
  fail "the build has nosuchlib targets"
fi
ok "the build succeeds and has no nosuchlib target"
CC=clang CXX=clang++ cmake -S "$tree" -B "$WORK/fuzz" >"$WORK/fuzz-configure2.log" 2>&1 ||
  fail "fuzz configure with a missing library failed: $(tail -30 "$WORK/fuzz-configure2.log")"
if grep -q nosuchlib "$WORK/fuzz/fuzz_targets.txt"; then fail "fuzz_targets.txt lists fuzz_nosuchlib"; fi
grep -qx fuzz_example "$WORK/fuzz/fuzz_targets.txt" || fail "fuzz_example went missing from fuzz_targets.txt"
ok "fuzz_targets.txt has no fuzz_nosuchlib"
status=0
"$SWARMSCOPE" --collector.nosuchlib >"$WORK/unknown.txt" 2>&1 || status=$?
[ "$status" -eq 2 ] || fail "--collector.nosuchlib: exit $status, want 2: $(cat "$WORK/unknown.txt")"
grep -q 'collector.nosuchlib' "$WORK/unknown.txt" || fail "the error does not name the flag: $(cat "$WORK/unknown.txt")"
ok "--collector.nosuchlib is an unknown flag: $(head -1 "$WORK/unknown.txt")"
"$SWARMSCOPE" --help >"$WORK/help2.txt" 2>&1
if grep -q nosuchlib "$WORK/help2.txt"; then fail "--help lists nosuchlib"; fi
grep -qF -- '--[no-]collector.example' "$WORK/help2.txt" || fail "--help lost the example"
ok "--help has the example and no nosuchlib"

echo "registration test: $CHECKS checks passed"
