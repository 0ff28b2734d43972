#!/usr/bin/env bash
# The C++ style CI enforces (shared/STYLE.md), on every C++ file git knows (`git ls-files
# '*.cc' '*.h'`, plus new files not yet committed and not ignored):
#   - clang-format --dry-run --Werror with the repo's .clang-format (Google style);
#   - "braces always" with clang-tidy's readability-braces-around-statements check, and only
#     that one, on the compile commands of a build tree. Every file is its own translation
#     unit (headers too, with commands clang-tidy derives from their neighbours), so each
#     finding belongs to the file it is in.
#
#   tests/style_check.sh [--build DIR]        check: exit 1 and list the offending files
#   tests/style_check.sh --fix [--build DIR]  fix them: clang-tidy -fix for that check, then
#                                             clang-format -i (review `git diff` afterwards)
#
# DIR is a configured build tree with compile_commands.json (default build/ci); when it has
# none, build/style is configured for it (configure only, nothing is compiled). STYLE_JOBS
# clang-tidy processes run at once (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
fix=0
build=build/ci
jobs=${STYLE_JOBS:-2}
check=readability-braces-around-statements

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --fix) fix=1 ;;
    --build) build=${2:?--build needs a directory}; shift ;;
    --build=*) build=${1#--build=} ;;
    -h | --help) usage; exit 0 ;;
    *) echo "style_check: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

for tool in clang-format clang-tidy; do
  if ! command -v "$tool" >/dev/null; then
    echo "style_check: $tool is missing (Debian package $tool; provisioning/install-deps.sh test installs it)" >&2
    exit 2
  fi
done

if [ ! -f "$build/compile_commands.json" ]; then
  build=build/style
  echo "style_check: configuring $build for its compile_commands.json" >&2
  mkdir -p "$build"
  cmake -S . -B "$build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$build/configure.log" 2>&1 || {
    echo "style_check: cmake -S . -B $build failed:" >&2
    tail -20 "$build/configure.log" >&2
    exit 2
  }
fi

work=$(mktemp -d /tmp/swarmscope-style.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The files, without those deleted in the work tree.
git -c safe.directory="$root" ls-files -z --cached --others --exclude-standard -- '*.cc' '*.h' |
  while IFS= read -r -d '' f; do
    if [ -f "$f" ]; then printf '%s\0' "$f"; fi
  done >"$work/files"
count=$(tr -cd '\0' <"$work/files" | wc -c)

# The example exporter fixture includes itself as exporters/example/... (where
# tests/integration/registration_test.sh puts it): give clang-tidy that path.
mkdir -p "$work/include/exporters"
ln -s "$root/tests/fixtures/example_exporter" "$work/include/exporters/example"

tidy_args=(-p "$build" --quiet "--checks=-*,$check" "--extra-arg=-w" "--extra-arg=-I$work/include")
if [ "$fix" = 1 ]; then tidy_args+=(--fix); fi

# One clang-tidy per file, STYLE_JOBS at once, each with its own log.
mkdir -p "$work/tidy"
export STYLE_LOGS=$work/tidy
xargs -0 -P "$jobs" -n 1 bash -c \
  'clang-tidy "$@" >"$STYLE_LOGS/$(printf %s "${@: -1}" | tr / %).log" 2>&1 || true' _ \
  "${tidy_args[@]}" <"$work/files"

# Findings of the check, by file ("path:line:col: warning: ... [check]"), and files clang-tidy
# could not parse.
: >"$work/braces"
: >"$work/errors"
while IFS= read -r -d '' f; do
  log=$work/tidy/$(printf %s "$f" | tr / %).log
  n=$(grep -c "warning: .*\[$check\]" "$log" || true)
  if [ "$n" -gt 0 ]; then printf '  %s (%d)\n' "$f" "$n" >>"$work/braces"; fi
  if grep -qE ': error: |Error while processing|Found compiler error' "$log"; then
    first=$(grep -m1 ': error: ' "$log" || grep -m1 -E 'Error while processing|Found compiler error' "$log")
    printf '  %s: %s\n' "$f" "${first#"$root/"}" >>"$work/errors"
  fi
done <"$work/files"

if [ "$fix" = 1 ]; then
  xargs -0 clang-format -i <"$work/files"
  if [ -s "$work/errors" ]; then
    echo "style_check: clang-tidy could not parse these (no braces added there; they need code that compiles):"
    cat "$work/errors"
  fi
  echo "style_check: fixed $(wc -l <"$work/braces") files with clang-tidy -fix, clang-formatted $count; checking again"
  rm -rf "$work"
  trap - EXIT
  exec bash "$root/tests/style_check.sh" --build "$build"
fi

# Files clang-format would change.
: >"$work/format"
while IFS= read -r -d '' f; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then printf '  %s\n' "$f" >>"$work/format"; fi
done <"$work/files"

status=0
if [ -s "$work/format" ]; then
  echo "style_check: $(wc -l <"$work/format") files are not clang-formatted (clang-format --dry-run --Werror FILE shows where):"
  cat "$work/format"
  status=1
fi
if [ -s "$work/braces" ]; then
  echo "style_check: statements without braces (STYLE.md: braces always; $check) in $(wc -l <"$work/braces") files:"
  cat "$work/braces"
  echo "  (one file's findings: clang-tidy -p $build --checks='-*,$check' FILE)"
  status=1
fi
if [ -s "$work/errors" ]; then
  echo "style_check: clang-tidy could not check $(wc -l <"$work/errors") files (compile errors):"
  cat "$work/errors"
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "style_check: to fix: tests/style_check.sh --fix --build $build"
  echo "  (= clang-tidy -p $build --checks='-*,$check' --fix FILE, then clang-format -i FILE, for each file)"
else
  echo "style_check: $count files clang-formatted and braced"
fi
exit "$status"
