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
# Already pinned: nothing to do (keeps the test suite fast on a second run).
if [[ "$(.venv/bin/schemathesis --version 2>/dev/null)" != *" ${SCHEMATHESIS_VERSION}" ]]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "schemathesis==${SCHEMATHESIS_VERSION}"
fi
echo "schemathesis: $(.venv/bin/schemathesis --version)"

# `npm ci` installs exactly the committed lock file and fails if package.json disagrees with it.
# It wipes node_modules first, so it runs only when the lock file or package.json changed since
# the last successful install (the stamp records their contents).
stamp="node_modules/.installed-from"
wanted="$(cat package.json package-lock.json)"
if [[ ! -x node_modules/.bin/spectral || ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
    npm ci --no-audit --no-fund --loglevel=error
    printf '%s' "$wanted" > "$stamp"
fi
echo "spectral: $(node_modules/.bin/spectral --version)"
