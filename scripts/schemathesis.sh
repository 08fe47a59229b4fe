#!/usr/bin/env bash
# Runs Schemathesis (pinned, see scripts/install-checkers.sh) against a running server with
# the repository's spec:
#
#   scripts/schemathesis.sh <base_url> <api_key> [extra schemathesis run options...]
#
# <base_url>  where the API lives, e.g. http://127.0.0.1:8080 or https://vspc:1280/api/v3
#             (`/api/v3` is appended when missing);
# <api_key>   sent as `Authorization: Bearer <api_key>` (a REST API key or an access token).
#
# Every check Schemathesis has (`--checks all`) runs in the examples, coverage and fuzzing
# phases; scripts/schemathesis.toml lists the few refusals it allows, each with its reason.
# Bounded: at most $SCHEMATHESIS_MAX_EXAMPLES (20) cases per operation and
# $SCHEMATHESIS_MAX_TIME (300) seconds in all. Reports land in target/schemathesis/.
# $SCHEMATHESIS_CONFIG replaces scripts/schemathesis.toml, e.g. with a copy that adds
# `[parameters] "path.backupServerUid" = "<a seeded UID>"` so that more cases reach data.
# The exit code is Schemathesis's: non-zero when a check failed.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    sed -n '2,18p' "$0" >&2
    exit 2
fi
base_url="${1%/}"
api_key="$2"
shift 2
[[ "$base_url" == */api/v3 ]] || base_url="$base_url/api/v3"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
schemathesis="$root/scripts/.venv/bin/schemathesis"
if [[ ! -x "$schemathesis" ]]; then
    echo "Schemathesis is not installed; run scripts/install-checkers.sh" >&2
    exit 2
fi

exec "$schemathesis" --config-file "${SCHEMATHESIS_CONFIG:-$root/scripts/schemathesis.toml}" run "$root/spec/vspc-licensing.yaml" \
    --url "$base_url" \
    --header "Authorization: Bearer $api_key" \
    --checks all \
    --phases examples,coverage,fuzzing \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-20}" \
    --max-time "${SCHEMATHESIS_MAX_TIME:-300}" \
    --request-timeout 10 \
    --workers "${SCHEMATHESIS_WORKERS:-2}" \
    --generation-database none \
    --seed "${SCHEMATHESIS_SEED:-1}" \
    --report junit \
    --report-dir "$root/target/schemathesis" \
    --no-color \
    "$@"
