#!/usr/bin/env bash
# Regenerates the vendored Argo CD, Flux and Prometheus Operator CRD schemas in this folder from npm packages
# whose types were generated from the upstream CRDs (GitHub, where the CRDs live, is out of reach of the build
# machines; npm is not). Needs node and npm; CI does not run this: the generated files are committed.
# See README.md beside this file.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# name, version and the registry's integrity (sha512) of each tarball: a re-run reads exactly these bytes.
packages=(
  "argo-cd @kubernetes-models/argo-cd@2.7.2 sha512-Dge+7Uq54dt5c3pzusOw8i26FHWqJiyiFqHKQKHUNjOq2zb3e7LY2OYBrNP7hDSoM0Ap5K9cJTMgNzsaaKdjOQ=="
  "flux-cd @kubernetes-models/flux-cd@3.0.1 sha512-egGvYpxreVAe7PGCUDYTFaystzCYBqHVTwWMubm78Pr/YNsOQaJw8u/pZlX8oRc+sZxFTFPFt9UJKCOOmVpwgQ=="
  "prometheus-operator @kubernetes-models/prometheus-operator@5.0.1 sha512-ta18PtLJP7Wvz8bFndtWNLkf/QKs67iX9RWUhSD4EPEeEfZVUi9amNce//RlayT4PUm9tM9lokc3jZah30GGhg=="
)
typescript="typescript@5.9.3"

cd "$work"
for entry in "${packages[@]}"; do
  read -r dir spec integrity <<<"$entry"
  # A full install, dependencies included: the extraction also runs the package's own compiled validator.
  npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$work/$dir" "$spec" >/dev/null
  name="${spec%@*}"
  actual="$(node -e 'const l=require(process.argv[1]);console.log(l.packages["node_modules/"+process.argv[2]].integrity)' \
    "$work/$dir/package-lock.json" "$name")"
  if [[ "$actual" != "$integrity" ]]; then
    echo "integrity mismatch for $spec: expected $integrity, got $actual" >&2
    exit 1
  fi
done
npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$work/tools" "$typescript" >/dev/null

node "$here/extract-from-npm.mjs" "$work" "$here"
