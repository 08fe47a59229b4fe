#!/usr/bin/env bash
# Installs the third-party checkers of the spec, pinned, inside scripts/:
#   scripts/.venv         Schemathesis (property-based API testing against a running server)
#   scripts/node_modules  Spectral (OpenAPI linter), exactly as scripts/package-lock.json says
# Needs python3 (>= 3.9) with venv, and node (>= 18) with npm. Safe to run again.
set -euo pipefail

SCHEMATHESIS_VERSION="4.32.5"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check "schemathesis==${SCHEMATHESIS_VERSION}"
echo "schemathesis: $(.venv/bin/schemathesis --version)"

# `npm ci` installs exactly the committed lock file and fails if package.json disagrees with it.
npm ci --no-audit --no-fund --loglevel=error
echo "spectral: $(node_modules/.bin/spectral --version)"
