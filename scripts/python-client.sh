#!/usr/bin/env bash
# Installs Veeam's own Python client for VSPC (veeam-spc, pinned with every dependency in
# benches/python/requirements.txt) into a virtual environment, and prints the path of its
# python. Used by the benchmark against the Python client and by the test that drives the
# simulator with it (tests/veeam/python_client.rs). Safe to run again: does nothing when
# the environment already holds the pinned set.
#
#   scripts/python-client.sh [VENV]     default VENV: target/python-veeam-spc (ignored by git)
#
# Needs python3 with venv and pip (the ordinary PyPI client).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requirements="$root/benches/python/requirements.txt"
venv="${1:-$root/target/python-veeam-spc}"
stamp="$venv/.installed-$(sha256sum "$requirements" | cut -c1-16)"

if [[ ! -f "$stamp" ]]; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements" >&2
    "$venv/bin/python" -c "import veeam_spc.v3_5_1, veeam_spc.v3_7" >&2
    touch "$stamp"
fi
echo "$venv/bin/python"
