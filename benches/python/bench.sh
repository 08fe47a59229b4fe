#!/usr/bin/env bash
# Lists every backup-server license with the Python client users would otherwise pick
# (veeam-spc, pinned), against a running simulator. Prints `seconds=<n>`.
#   usage: benches/python/bench.sh BASE_URL API_KEY
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="$("$here/../../scripts/python-client.sh")"
exec "$python" "$here/list_licenses.py" "$@"
