#!/usr/bin/env bash
# Packages the crate as crates.io would receive it, unpacks it, and checks that the package
# builds with no network: its dependencies come from a `cargo vendor` tree and cargo runs
# `--offline --locked`. This proves the package carries every file its build reads (the spec,
# the sample licenses, the scenario example) and that the build script needs no download.
#
# Cheap on repeat runs: the vendor tree is kept while Cargo.lock is unchanged, and the build
# reuses one target directory, so dependencies compile once. It type-checks (`cargo check`)
# the library and the binary with every feature rather than producing machine code: a missing
# file or an online-only build step fails `check` exactly as it fails `build`, at a fraction of
# the time on a 2-core machine.
#
# Usage: scripts/package-offline-check.sh   (work files under target/package-check/)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/target/package-check"
mkdir -p "$work"
cd "$root"

# 1. The package, as `cargo publish` would upload it (verification is step 3, offline).
CARGO_TARGET_DIR="$work/package-target" cargo package --no-verify --allow-dirty --quiet
crate_file="$(ls -t "$work"/package-target/package/vspc-licensing-*.crate | head -n1)"
name="$(basename "$crate_file" .crate)"

# 2. Unpacked at a fixed place, so the build directory's fingerprints stay valid between runs.
rm -rf "$work/unpacked"
mkdir -p "$work/unpacked"
tar -xzf "$crate_file" -C "$work/unpacked"
crate_dir="$work/unpacked/$name"
# cargo writes one fixed time into every entry of a .crate (reproducible packages), so the
# unpacked files would look unchanged since the last run and the build would reuse a stale
# build-script output: give them the time of this run.
find "$crate_dir" -type f -exec touch {} +

# The vendor tree for the packaged Cargo.lock (made again only when the lock file changes).
vendor="$work/vendor"
lock_sum="$(sha256sum "$crate_dir/Cargo.lock" | cut -d' ' -f1)"
if [ "$(cat "$vendor/.lock-sha256" 2>/dev/null || true)" != "$lock_sum" ]; then
    rm -rf "$vendor"
    # From the local cache when it has every crate; otherwise from the registry.
    if ! cargo vendor --quiet --offline --locked --manifest-path "$crate_dir/Cargo.toml" "$vendor" >/dev/null 2>"$work/vendor-offline.log"; then
        rm -rf "$vendor"
        cargo vendor --quiet --locked --manifest-path "$crate_dir/Cargo.toml" "$vendor" >/dev/null
    fi
    echo "$lock_sum" >"$vendor/.lock-sha256"
fi
mkdir -p "$crate_dir/.cargo"
cat >"$crate_dir/.cargo/config.toml" <<CONFIG
[source.crates-io]
replace-with = "vendored-sources"

[source.vendored-sources]
directory = "$vendor"
CONFIG

# 3. The packaged crate, offline, from the vendor tree only.
cd "$crate_dir"
CARGO_TARGET_DIR="$work/build-target" cargo check --offline --locked --all-features --lib --bins --quiet
echo "packaged crate $name checks offline from a vendor tree ($(find . -type f | wc -l) files in the package)"
