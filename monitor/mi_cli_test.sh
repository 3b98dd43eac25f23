#!/bin/bash
# Exercises the `mi` command line on good and bad input.
set -u
MI="$TEST_SRCDIR/$TEST_WORKSPACE/monitor/mi"
DIR="$TEST_TMPDIR"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# y = x + small deterministic wiggle: strongly dependent, tie-free.
awk 'BEGIN{print "x1,x2"; for (i = 1; i <= 200; i++) printf "%.6f,%.6f\n", sin(i*1.3), cos(i*0.7)}' > "$DIR/x.csv"
awk 'BEGIN{for (i = 1; i <= 200; i++) printf "%.6f\n", sin(i*1.3) + 0.3*sin(i*2.9)}' > "$DIR/y.csv"
head -n 150 "$DIR/y.csv" > "$DIR/y_short.csv"
{ echo "a,b"; echo "1,2"; echo "3,oops"; } > "$DIR/bad.csv"
{ for i in $(seq 1 199); do echo "$i.5,1"; done; echo "nan,2"; } > "$DIR/nan.csv"
echo "0.5" > "$DIR/one_row.csv"
printf '1\n2\n3\n' > "$DIR/three_rows.csv"
# Binary files named .csv: a PNG signature with a terminal escape, and bytes
# without NUL but with a control character on a data line.
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x1b[2J\xff\xfe' > "$DIR/image.csv"
printf 'a,b\n1,\x07\x1b]0;owned\x07\n' > "$DIR/bell.csv"

expect_ok() {  # name, then arguments
  local name="$1"; shift
  local out
  if ! out=$("$MI" "$@" 2> "$DIR/err"); then fail "$name exited non-zero: $(cat "$DIR/err")"; return; fi
  for key in '"estimator"' '"mi"' '"units"' '"n":200' '"dx":2' '"dy":1' '"seconds"' '"read_seconds"'; do
    [[ "$out" == *$key* ]] || fail "$name: output lacks $key: $out"
  done
  [[ $(echo "$out" | wc -l) -eq 1 ]] || fail "$name: more than one line on stdout"
  [[ "$out" == *nan* || "$out" == *null* ]] && fail "$name: NaN in output: $out"
  echo "ok: $name -> $out"
}
expect_error() {  # name, expected stderr fragment, then arguments
  local name="$1" fragment="$2"; shift 2
  if "$MI" "$@" > "$DIR/out" 2> "$DIR/err"; then fail "$name: expected failure, got $(cat "$DIR/out")"; return; fi
  [[ -s "$DIR/out" ]] && fail "$name: wrote to stdout on error"
  grep -qF -- "$fragment" "$DIR/err" || fail "$name: stderr lacks '$fragment': $(cat "$DIR/err")"
  echo "ok: $name -> $(cat "$DIR/err")"
}

expect_ok ksg --estimator=ksg --x="$DIR/x.csv" --y="$DIR/y.csv"
expect_ok ksg2 --estimator=ksg2 --x="$DIR/x.csv" --y="$DIR/y.csv" --k=4 --units=nats
expect_ok gcmi --estimator=gcmi --x="$DIR/x.csv" --y="$DIR/y.csv"
expect_ok discrete --estimator=discrete --x="$DIR/x.csv" --y="$DIR/y.csv"
out=$("$MI" --estimator=ksg --x="$DIR/x.csv" --y="$DIR/y.csv" --units=bits)
[[ "$out" == *'"units":"bits"'* ]] || fail "default units are not bits: $out"
# MI is clearly positive for this dependent pair.
mi=$(echo "$out" | sed 's/.*"mi":\([-0-9.e]*\).*/\1/')
awk -v m="$mi" 'BEGIN{exit !(m > 0.5)}' || fail "ksg MI $mi not > 0.5 bits"
# Same seed, same number.
[[ "$("$MI" --x="$DIR/x.csv" --y="$DIR/y.csv" --seed=4 | sed 's/,"read_seconds".*//')" == \
   "$("$MI" --x="$DIR/x.csv" --y="$DIR/y.csv" --seed=4 | sed 's/,"read_seconds".*//')" ]] || fail "not reproducible"
# Relative paths resolve against BUILD_WORKING_DIRECTORY (as under bazel run).
(cd / && BUILD_WORKING_DIRECTORY="$DIR" "$MI" --x=x.csv --y=y.csv > /dev/null) || fail "relative path under BUILD_WORKING_DIRECTORY"
# .npy float64, 200 x 1 (header padded to 64 bytes), equal to y.csv.
{
  printf '\x93NUMPY\x01\x00\x76\x00'
  printf "%-117s\n" "{'descr': '<f8', 'fortran_order': False, 'shape': (200, 1), }"
} > "$DIR/y.npy"
# Little-endian IEEE doubles via perl's pack.
perl -ne "print pack('d<', \$_)" "$DIR/y.csv" >> "$DIR/y.npy"
npy=$("$MI" --x="$DIR/x.csv" --y="$DIR/y.npy" | sed 's/,"read_seconds".*//')
csv=$("$MI" --x="$DIR/x.csv" --y="$DIR/y.csv" | sed 's/,"read_seconds".*//')
[[ "$npy" == "$csv" ]] || fail ".npy and CSV differ: $npy vs $csv"

expect_error bad_csv "line 3: 'oops' is not a number" --x="$DIR/bad.csv" --y="$DIR/y.csv"
# A 1-row x against a 3-row y: the mismatch, not "x column 0 is constant".
expect_error one_row_mismatch "x has 1 samples but y has 3" --x="$DIR/one_row.csv" --y="$DIR/three_rows.csv"
expect_error one_row_mismatch_gcmi "x has 1 samples but y has 3" --estimator=gcmi --x="$DIR/one_row.csv" --y="$DIR/three_rows.csv"
expect_error one_row_mismatch_z "x has 200 samples but z has 150" --x="$DIR/x.csv" --y="$DIR/y.csv" --z="$DIR/y_short.csv"
expect_error mismatched_rows "x has 200 samples but y has 150" --x="$DIR/x.csv" --y="$DIR/y_short.csv"
expect_error missing_file "cannot open '$DIR/nope.csv'" --x="$DIR/nope.csv" --y="$DIR/y.csv"
expect_error nan "non-finite value (NaN) in sample 199" --x="$DIR/nan.csv" --y="$DIR/y.csv"
expect_error k_too_large "k must be between 1 and N - 1 = 199" --x="$DIR/x.csv" --y="$DIR/y.csv" --k=200
expect_error bad_estimator "unknown estimator 'kde'" --estimator=kde --x="$DIR/x.csv" --y="$DIR/y.csv"
expect_error bad_units "unknown units 'bans'" --units=bans --x="$DIR/x.csv" --y="$DIR/y.csv"
expect_error no_y "both --x and --y are required" --x="$DIR/x.csv"
# Binary input: a clear error, and stderr is printable ASCII (no raw bytes).
expect_error binary_as_csv "image.csv is not a CSV text file: byte 6 is '\\x1a'" --x="$DIR/image.csv" --y="$DIR/y.csv"
expect_error control_bytes_as_csv "bell.csv is not a CSV text file: byte 6 is '\\x07'" --x="$DIR/bell.csv" --y="$DIR/y.csv"
for f in image bell; do
  "$MI" --x="$DIR/$f.csv" --y="$DIR/y.csv" 2> "$DIR/err" > /dev/null
  LC_ALL=C grep -q '[^[:print:]]' "$DIR/err" && fail "$f: stderr holds raw bytes: $(od -c "$DIR/err" | head -5)"
done
cp "$DIR/y.npy" "$DIR/y_npy.csv"
expect_error npy_named_csv "is a NumPy array but was read as CSV" --x="$DIR/x.csv" --y="$DIR/y_npy.csv"
"$MI" --help > "$DIR/help" 2>&1
grep -q "Estimates the mutual information" "$DIR/help" || fail "--help lacks the usage message"

if [[ $failures -gt 0 ]]; then echo "$failures failures"; exit 1; fi
echo "all CLI checks passed"
