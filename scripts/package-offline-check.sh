#!/usr/bin/env bash
# Packages the crate as crates.io would receive it, unpacks it, and checks that the package
# builds with no network: its dependencies come from a `cargo vendor` tree and cargo runs
# `--offline --locked`. This proves the package carries every file its build reads (the spec,
# the sample licenses, the scenario example) and that the build script needs no download.
#
# It type-checks (`cargo check`) the library and the binary with every feature rather than
# producing machine code: a missing file or an online-only build step fails `check` exactly as
# it fails `build`, at a fraction of the time on a 2-core machine.
#
# Cheap on repeat runs, and from the second checkout on a machine: the vendor tree and the
# dependencies' build directory live in a cache shared by every checkout (by default
# ~/.cache/vspc-licensing/package-check; VSPC_PACKAGE_CHECK_CACHE names another). Cargo
# fingerprints a vendored crate by its path, so one vendor tree at one place lets every checkout
# reuse the dependencies another one compiled; only the packaged crate itself is checked again.
# The vendor tree keeps one directory per crate version (`--versioned-dirs`, `--no-delete`), so
# a new Cargo.lock adds the crates it lacks and leaves the rest (and their build output) alone;
# with `--locked`, cargo takes exactly the packaged lock file's versions from it. A lock file
# serialises runs that share the cache. Without `flock` (or without a home directory) the cache
# is this checkout's target/package-check/, as before.
#
# Usage: scripts/package-offline-check.sh   (the package and the unpacked crate under
# target/package-check/)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/target/package-check"
cache="${VSPC_PACKAGE_CHECK_CACHE:-}"
if [ -z "$cache" ]; then
    if [ -n "${HOME:-}" ] && command -v flock >/dev/null; then
        cache="${XDG_CACHE_HOME:-$HOME/.cache}/vspc-licensing/package-check"
    else
        cache="$work"
    fi
fi
mkdir -p "$work" "$cache"
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

# From here on the cache is in use: one run at a time (the others wait).
if command -v flock >/dev/null; then
    exec 9>"$cache/.lock"
    flock 9
fi

# The vendor tree: the packaged Cargo.lock's crates are added when that lock file is new to it.
vendor="$cache/vendor"
lock_sum="$(sha256sum "$crate_dir/Cargo.lock" | cut -d' ' -f1)"
if ! grep -qx "$lock_sum" "$vendor/.lock-sha256s" 2>/dev/null; then
    mkdir -p "$vendor"
    vendor_args=(--quiet --locked --versioned-dirs --no-delete --manifest-path "$crate_dir/Cargo.toml" "$vendor")
    # From the local cache when it has every crate; otherwise from the registry. A crate
    # copied only in part has no checksum file yet, so the second attempt copies it again.
    if ! cargo vendor --offline "${vendor_args[@]}" >/dev/null 2>"$work/vendor-offline.log"; then
        cargo vendor "${vendor_args[@]}" >/dev/null
    fi
    echo "$lock_sum" >>"$vendor/.lock-sha256s"
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
CARGO_TARGET_DIR="$cache/build-target" cargo check --offline --locked --all-features --lib --bins --quiet
echo "packaged crate $name checks offline from a vendor tree ($(find . -type f | wc -l) files in the package)"
