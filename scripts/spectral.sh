#!/usr/bin/env bash
# Lints the spec (or the OpenAPI file given as $1) with the pinned Spectral and the
# repository's .spectral.yaml. Exits non-zero when Spectral reports an error.
# Install Spectral first: scripts/install-checkers.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
spectral="$root/scripts/node_modules/.bin/spectral"
spec="${1:-$root/spec/vspc-licensing.yaml}"

if [[ ! -x "$spectral" ]]; then
    echo "Spectral is not installed; run scripts/install-checkers.sh" >&2
    exit 2
fi
exec "$spectral" lint "$spec" --ruleset "$root/.spectral.yaml" --fail-severity error
