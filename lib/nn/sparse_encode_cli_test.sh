#!/bin/bash
# Exercises the `sparse_encode` command line on good and bad input.
set -u
BIN="$TEST_SRCDIR/$TEST_WORKSPACE/lib/nn/sparse_encode"
DIR="$TEST_TMPDIR"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# D = I (3 x 3): z = soft(x, lambda) exactly. With lambda = 0.3:
# rows (1, -0.2, 0.5) -> (0.7, 0, 0.2), objective 0.11 + 0.27 = 0.38;
#      (2, 0, -3)     -> (1.7, 0, -2.7), objective 0.09 + 1.32 = 1.41; mean 0.895.
printf '1,0,0\n0,1,0\n0,0,1\n' > "$DIR/d.csv"
printf 'a,b,c\n1,-0.2,0.5\n2,0,-3\n' > "$DIR/x.csv"
printf '1,0,0\n0,1,0\n0,0,1\n0,0,0\n' > "$DIR/d4.csv"
printf '1,nan,0\n' > "$DIR/nan.csv"
: > "$DIR/empty.csv"

for solver in ista fista lca; do
  out=$("$BIN" --dictionary="$DIR/d.csv" --x="$DIR/x.csv" --lambda=0.3 --solver=$solver \
        --tol=1e-12 --max_iter=5000 --out="$DIR/z_$solver.csv" 2> "$DIR/err") \
    || { fail "$solver exited non-zero: $(cat "$DIR/err")"; continue; }
  [[ $(echo "$out" | wc -l) -eq 1 ]] || fail "$solver: more than one line on stdout"
  for key in '"objective"' '"iterations"' '"seconds"' '"n":2' '"d":3' '"k":3'; do
    [[ "$out" == *$key* ]] || fail "$solver: output lacks $key: $out"
  done
  obj=$(echo "$out" | sed 's/.*"objective":\([-0-9.e]*\).*/\1/')
  awk -v o="$obj" 'BEGIN{exit !(o > 0.895 - 1e-9 && o < 0.895 + 1e-9)}' || fail "$solver objective $obj != 0.895"
  awk -F, 'NR==1{ok = ($1-0.7)^2 + $2^2 + ($3-0.2)^2 < 1e-18}
           NR==2{ok = ok && ($1-1.7)^2 + $2^2 + ($3+2.7)^2 < 1e-18} END{exit !ok}' "$DIR/z_$solver.csv" \
    || fail "$solver: Z is not soft(x, 0.3): $(cat "$DIR/z_$solver.csv")"
  echo "ok: $solver -> $out"
done
# .npy out reads back as 2 x 3 float64 (header 128 bytes + 48 bytes of data).
"$BIN" --dictionary="$DIR/d.csv" --x="$DIR/x.csv" --lambda=0.3 --out="$DIR/z.npy" > /dev/null || fail "npy out"
[[ $(stat -c %s "$DIR/z.npy") -eq $((128 + 48)) ]] || fail "z.npy has $(stat -c %s "$DIR/z.npy") bytes"
# Relative paths resolve against BUILD_WORKING_DIRECTORY.
(cd / && BUILD_WORKING_DIRECTORY="$DIR" "$BIN" --dictionary=d.csv --x=x.csv > /dev/null) || fail "relative paths"

expect_error() {  # name, expected stderr fragment, then arguments
  local name="$1" fragment="$2"; shift 2
  if "$BIN" "$@" > "$DIR/out" 2> "$DIR/err"; then fail "$name: expected failure, got $(cat "$DIR/out")"; return; fi
  [[ -s "$DIR/out" ]] && fail "$name: wrote to stdout on error"
  grep -qF -- "$fragment" "$DIR/err" || fail "$name: stderr lacks '$fragment': $(cat "$DIR/err")"
  echo "ok: $name -> $(cat "$DIR/err")"
}
expect_error shape "X has d = 3 columns but D has 4 rows" --dictionary="$DIR/d4.csv" --x="$DIR/x.csv"
expect_error nan "non-finite value (NaN or infinity) at row 0, column 1" --dictionary="$DIR/d.csv" --x="$DIR/nan.csv"
expect_error lambda "lambda must be a finite number >= 0, got -1" --dictionary="$DIR/d.csv" --x="$DIR/x.csv" --lambda=-1
expect_error empty "holds no samples" --dictionary="$DIR/d.csv" --x="$DIR/empty.csv"
expect_error solver "unknown sparse-coding solver 'omp'" --dictionary="$DIR/d.csv" --x="$DIR/x.csv" --solver=omp
expect_error missing "--x is required" --dictionary="$DIR/d.csv"
expect_error no_file "cannot open '$DIR/nope.npy'" --dictionary="$DIR/d.csv" --x="$DIR/nope.npy"
"$BIN" --help > "$DIR/help" 2>&1
grep -q "Sparse codes of the rows of X" "$DIR/help" || fail "--help lacks the usage message"

if [[ $failures -gt 0 ]]; then echo "$failures failures"; exit 1; fi
echo "all CLI checks passed"
