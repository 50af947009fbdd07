#!/usr/bin/env bash
# Installs the third-party validators the tests use, from the package
# registries only (npm, Debian, the Go module proxy), into a cache, and
# prints one KEY=VALUE line per tool for the caller to export:
#
#   SARIF_MULTITOOL   Microsoft's SARIF Multitool (npm @microsoft/sarif-multitool-linux):
#                     validates SARIF against the official 2.1.0 schema and GitHub's ingestion rules
#   XMLLINT           xmllint (Debian libxml2-utils): validates JUnit XML against tests/schemas/
#   KREW              krew (sigs.k8s.io/krew), to install the release archive as users do
#   VALIDATE_KREW     validate-krew-manifest (sigs.k8s.io/krew), krew-index's manifest check
#   CHROMIUM          Chromium (Debian), renders the HTML reports headless (tests/html.rs)
#   KUBE_SCORE        kube-score (github.com/zegl/kube-score), the peer whose reliability
#                     verdicts tests/peers.rs compares with ours
#
#   eval "$(bash tests/tools/install.sh)"
set -euo pipefail

TOOLS=${NS_POLICY_TOOLS:-/var/cache/ns-policy-tools}
SARIF_MULTITOOL_VERSION=5.7.0
KREW_VERSION=v0.4.3
KUBE_SCORE_VERSION=v1.20.0
mkdir -p "$TOOLS"
log() { printf '[tools] %s\n' "$*" >&2; }

# SARIF Multitool: a self-contained .NET binary in an npm package.
mt="$TOOLS/sarif-multitool-$SARIF_MULTITOOL_VERSION/package/Sarif.Multitool"
if [[ ! -x $mt ]]; then
  log "fetching @microsoft/sarif-multitool-linux@$SARIF_MULTITOOL_VERSION (npm)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "@microsoft/sarif-multitool-linux@$SARIF_MULTITOOL_VERSION" >/dev/null)
  mkdir -p "$TOOLS/sarif-multitool-$SARIF_MULTITOOL_VERSION"
  tar xzf "$tmp"/*.tgz -C "$TOOLS/sarif-multitool-$SARIF_MULTITOOL_VERSION"
  chmod +x "$mt"
  rm -rf "$tmp"
fi
echo "SARIF_MULTITOOL=$mt"

# xmllint.
if ! command -v xmllint >/dev/null 2>&1; then
  log "installing libxml2-utils (apt-get)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxml2-utils; } >/dev/null
fi
echo "XMLLINT=$(command -v xmllint)"

# Chromium.
if ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium (apt-get)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null
fi
echo "CHROMIUM=$(command -v chromium)"

# krew and validate-krew-manifest, built from the Go module proxy.
gobin="$TOOLS/go-bin-$KREW_VERSION"
if [[ ! -x $gobin/krew || ! -x $gobin/validate-krew-manifest ]]; then
  log "building krew and validate-krew-manifest $KREW_VERSION (go install)"
  mkdir -p "$gobin"
  GOBIN=$gobin go install "sigs.k8s.io/krew/cmd/krew@$KREW_VERSION" >&2
  GOBIN=$gobin go install "sigs.k8s.io/krew/cmd/validate-krew-manifest@$KREW_VERSION" >&2
fi
echo "KREW=$gobin/krew"
echo "VALIDATE_KREW=$gobin/validate-krew-manifest"

# kube-score, built from the Go module proxy.
ksbin="$TOOLS/kube-score-$KUBE_SCORE_VERSION"
if [[ ! -x $ksbin/kube-score ]]; then
  log "building kube-score $KUBE_SCORE_VERSION (go install)"
  mkdir -p "$ksbin"
  GOBIN=$ksbin go install "github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION" >&2
fi
echo "KUBE_SCORE=$ksbin/kube-score"
