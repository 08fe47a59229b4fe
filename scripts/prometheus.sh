#!/usr/bin/env bash
# Installs Prometheus and promtool, pinned, inside scripts/prometheus/ (no root install: the
# Debian package is downloaded and unpacked, never installed), for the exporter's tests:
#   scripts/prometheus/usr/bin/prometheus   a real server that scrapes the exporter
#   scripts/prometheus/usr/bin/promtool     check metrics, check rules, test rules
# Needs apt-get (a Debian or Ubuntu system with Debian's bookworm archive) and dpkg-deb.
# Safe to run again: does nothing when the pinned version is already unpacked.
set -euo pipefail

VERSION="2.42.0+ds-5+b6"
SHA256="3b0e0255b059a7696bd4a139a4a4eb24d71df067936a61ece5093559cbc7991c"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="$here/prometheus"
stamp="$target/.installed-version"

if [[ -x "$target/usr/bin/promtool" && -f "$stamp" && "$(cat "$stamp")" == "$VERSION" ]]; then
    echo "promtool: $("$target/usr/bin/promtool" --version 2>&1 | head -1)"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download "prometheus=$VERSION" >download.log 2>&1; then
    # The package lists may be missing or old on a fresh machine.
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get download "prometheus=$VERSION" >download.log 2>&1 || { cat download.log; exit 1; }
fi
deb="$(ls prometheus_*.deb)"
echo "$SHA256  $deb" | sha256sum --check --quiet
rm -rf "$target"
mkdir -p "$target"
dpkg-deb -x "$deb" "$target"
printf '%s' "$VERSION" > "$stamp"
echo "promtool: $("$target/usr/bin/promtool" --version 2>&1 | head -1)"
