#!/usr/bin/env bash
# Builds every libFuzzer target (the fuzz.bzl macro, tag "fuzz") with
# --config=fuzz and runs each for FUZZ_SECONDS (default 20) from a copy of its
# committed seed corpus (<package>/testdata/fuzz/<name without _fuzzer>).
# Prints one line per target (executions, crash or not) and exits non-zero on
# any crash, leak or timeout, after printing the fuzzer's report. Skipped, with
# a message and exit code 0, where clang-14 is not installed.
#   tests/fuzz_smoke.sh                 FUZZ_SECONDS=1800 tests/fuzz_smoke.sh
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BAZEL=${BAZEL:-bazel}
# As --config=asan: LibTorch's own allocations and globals trip these checks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:alloc_dealloc_mismatch=0:detect_odr_violation=0}
seconds=${FUZZ_SECONDS:-20}
if ! command -v clang-14 > /dev/null; then
  echo "fuzz smoke skipped: clang-14 is not installed (apt-get install clang-14)"
  exit 0
fi
targets=$($BAZEL query 'kind("cc_binary", attr(tags, "[\[ ]fuzz[,\]]", //...))' 2> /dev/null)
[[ -n "$targets" ]] || { echo "fuzz smoke: no fuzz targets found" >&2; exit 1; }
$BAZEL build --config=fuzz $targets || exit 1
bin=$($BAZEL info --config=fuzz bazel-bin 2> /dev/null)
failed=0
for t in $targets; do
  pkg=${t#//}; pkg=${pkg%%:*}; name=${t##*:}
  work=$(mktemp -d)
  cp "$pkg/testdata/fuzz/${name%_fuzzer}"/* "$work"/
  log="$work/fuzz.log"
  if "$bin/$pkg/$name" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
       -artifact_prefix="$work/" "$work" > "$log" 2>&1; then
    echo "$t: $(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1)s, no crash"
    rm -rf "$work"
  else
    echo "$t: FAILED (inputs and log kept in $work)"
    grep -A30 "ERROR\|SUMMARY" "$log" | head -60
    failed=1
  fi
done
exit $failed
