#!/usr/bin/env bash
# Release artifacts of kubectl-ns-policy.
#
#   release/release.sh package [--target TRIPLE] [--profile release|debug] [--dist DIR]
#       builds kubectl-ns_policy for TRIPLE (default: this machine's) and packs
#       DIR/kubectl-ns-policy-vX.Y.Z-TRIPLE.tar.gz (default DIR: dist) with the
#       binary, kubectl_complete-ns_policy (not on Windows), LICENSE and
#       README.md at the archive's root, plus its .sha256. The archive is
#       reproducible (sorted entries, fixed owners and times).
#   release/release.sh manifest [--dist DIR] [--partial] [--platform OS/ARCH=ARCHIVE]...
#       writes DIR/ns-policy.yaml, the krew manifest, from krew-manifest.yaml
#       with the sha256 of each platform's archive found in DIR. --platform
#       points a platform at another archive name (a host build); --partial
#       drops platforms whose archive is not there (for a local test; krew-index
#       needs all of them).
#
# The version is the workspace's (Cargo.toml), the commit the checkout's.
# .github/workflows/release.yml runs `package` on each platform's runner and
# `manifest` once over all archives.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "release.sh: $*" >&2; exit 2; }

version() {
  sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1
}

package() {
  local target="" profile=release dist=dist
  while [[ $# -gt 0 ]]; do
    case $1 in
      --target) target=$2; shift 2 ;;
      --profile) profile=$2; shift 2 ;;
      --dist) dist=$2; shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  local host
  host=$(rustc -vV | sed -n 's/^host: //p')
  local triple=${target:-$host}
  local v
  v=$(version)
  [[ -n $v ]] || die "no version in Cargo.toml"
  [[ $profile == debug ]] && profile=dev
  local args=(build -q --locked -p kubectl-ns-policy --profile "$profile")
  [[ -n $target ]] && args+=(--target "$target")
  NS_POLICY_COMMIT=${NS_POLICY_COMMIT:-$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)} \
    cargo "${args[@]}"
  local out_dir=target
  [[ -n $target ]] && out_dir+="/$target"
  case $profile in
    dev|debug) out_dir+="/debug" ;;
    *) out_dir+="/$profile" ;;
  esac
  local exe=""
  [[ $triple == *windows* ]] && exe=.exe
  local stage
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' RETURN
  cp "$out_dir/kubectl-ns_policy$exe" LICENSE README.md "$stage/"
  [[ -z $exe ]] && cp kubectl-ns-policy/kubectl_complete-ns_policy "$stage/"
  chmod 0755 "$stage/kubectl-ns_policy$exe"
  # Release builds are stripped by Cargo; a debug build (tests) is stripped
  # here when the host can, so the archive stays small.
  if [[ $profile == dev && -z $exe ]] && command -v strip >/dev/null 2>&1; then
    strip "$stage/kubectl-ns_policy" 2>/dev/null || true
  fi
  mkdir -p "$dist"
  local archive="$dist/kubectl-ns-policy-v$v-$triple.tar.gz"
  # GNU tar (TAR=gtar on macOS, where tar is bsdtar).
  "${TAR:-tar}" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
    -C "$stage" -cf - . | gzip -n -9 > "$archive"
  local sum=(sha256sum)
  command -v sha256sum >/dev/null 2>&1 || sum=(shasum -a 256)
  (cd "$dist" && "${sum[@]}" "$(basename "$archive")" > "$(basename "$archive").sha256")
  echo "$archive"
}

manifest() {
  local dist=dist partial=0
  local overrides=()
  while [[ $# -gt 0 ]]; do
    case $1 in
      --dist) dist=$2; shift 2 ;;
      --partial) partial=1; shift ;;
      --platform) overrides+=("$2"); shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  local v
  v=$(version)
  DIST=$dist PARTIAL=$partial VERSION=$v OVERRIDES="${overrides[*]:-}" python3 - <<'PY'
import hashlib, os, re, sys

dist, partial, version = os.environ["DIST"], os.environ["PARTIAL"] == "1", os.environ["VERSION"]
overrides = dict(o.split("=", 1) for o in os.environ["OVERRIDES"].split() if o)
text = open("krew-manifest.yaml").read()
head, body = text.split("  platforms:\n", 1)
blocks = re.split(r"(?m)^(?=  - selector:)", body)
out = []
for block in blocks:
    if not block.strip():
        continue
    os_ = re.search(r"os: (\S+)", block).group(1)
    arch = re.search(r"arch: (\S+)", block).group(1)
    uri = re.search(r"uri: (\S+)", block).group(1)
    name = overrides.get(f"{os_}/{arch}", uri.rsplit("/", 1)[1])
    path = os.path.join(dist, name)
    if not os.path.isfile(path):
        if partial:
            continue
        sys.exit(f"release.sh: {path} is missing (build it, or pass --partial)")
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    block = re.sub(r"uri: \S+", "uri: " + uri.rsplit("/", 1)[0] + "/" + name, block)
    block = re.sub(r'sha256: "[0-9a-f]*"', f'sha256: "{sha}"', block)
    out.append(block)
if not out:
    sys.exit("release.sh: no platform archive found in " + dist)
head = re.sub(r"version: v\S+", f"version: v{version}", head, count=1)
body = "".join(out).replace("/download/v0.1.0/", f"/download/v{version}/")
open(os.path.join(dist, "ns-policy.yaml"), "w").write(head + "  platforms:\n" + body)
print(os.path.join(dist, "ns-policy.yaml"))
PY
}

case ${1:-} in
  package) shift; package "$@" ;;
  manifest) shift; manifest "$@" ;;
  *) die "usage: release/release.sh package|manifest [options] (see the header of this file)" ;;
esac
