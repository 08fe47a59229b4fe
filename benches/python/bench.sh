#!/usr/bin/env bash
# Lists every backup-server license with the Python client users would otherwise pick
# (veeam-spc, pinned), against a running simulator. Prints `seconds=<n>`.
#   usage: benches/python/bench.sh BASE_URL API_KEY
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
exec "$venv/bin/python" "$here/list_licenses.py" "$@"
