#!/usr/bin/env bash
# Build cost of the crate: a clean build, a rebuild after a spec edit, and proof that the build
# script does not run again when nothing it reads changed. Uses a scratch target directory so
# the numbers are from scratch and the project's own target/ is untouched.
#   usage: scripts/build-cost.sh [extra cargo build flags, e.g. --all-features]
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"; git checkout -q -- spec/vspc-licensing.yaml 2>/dev/null || true' EXIT
export CARGO_TARGET_DIR="$scratch/target"
seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>"$scratch/log" || { cat "$scratch/log"; exit 1; }; end=$(date +%s.%N); awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }'; }

clean=$(seconds cargo build --locked "$@")
noop=$(seconds cargo build --locked "$@")

# A spec edit regenerates the client: a field's description, which lands in the generated
# code as a doc comment, so the crate really recompiles (checked by hashing the output).
generated() { cat "$CARGO_TARGET_DIR"/debug/build/vspc-licensing-*/out/vspc_client.rs | sha256sum; }
before=$(generated)
cp spec/vspc-licensing.yaml "$scratch/spec.yaml"
sed -i '0,/description: When the license expires\./s//description: When this license expires./' spec/vspc-licensing.yaml
spec_edit=$(seconds cargo build --locked "$@")
after=$(generated)
cp "$scratch/spec.yaml" spec/vspc-licensing.yaml
cargo build --locked "$@" >/dev/null 2>&1
if [ "$before" = "$after" ]; then echo "the spec edit did not change the generated client" >&2; exit 1; fi

# Touching a file the build script does not read must not run it again.
touch README.md src/lib.rs
reran=$(cargo build --locked -v "$@" 2>&1 | grep -c 'build-script-build' || true)

crates=$(cargo tree --locked -e normal --prefix none "$@" | sort -u | wc -l)
echo "machine:                $(nproc) cores, $(uname -m), $(rustc --version)"
echo "clean build:            ${clean} s   (cargo build $*)"
echo "no-op rebuild:          ${noop} s"
echo "rebuild after spec edit: ${spec_edit} s"
echo "build script reruns after touching README.md and src/lib.rs: ${reran} (expected 0)"
echo "crates in the normal dependency tree: ${crates}"
[ "$reran" = 0 ]
