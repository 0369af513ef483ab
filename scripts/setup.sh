#!/usr/bin/env bash
# Everything a fresh machine needs before the demo or the tests: Debian's registry (the tests' real OCI registry),
# htpasswd for its basic-auth mode, chromium (the HTML report's browser test), and the npm dependencies (whose install also compiles the TypeScript).
# The Kubernetes test binaries are built from the Go module proxy on first use (test/cluster/build.sh), cached outside the tree.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
command -v jq >/dev/null 2>&1 || need+=(jq)
command -v flock >/dev/null 2>&1 || need+=(util-linux)
# GNU time: the peak RSS of the tools bench/audit/side-by-side.ts compares.
[ -x /usr/bin/time ] || need+=(time)
# The HTML report's test renders it in a real headless browser.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v go >/dev/null 2>&1 || { echo "setup: Go >= 1.26 is needed to build the test control plane (test/cluster/build.sh)" >&2; exit 1; }
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]} from Debian"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
else
  npm run build --silent
fi

# The test control plane (kube-apiserver, controller-manager, scheduler, kubectl, etcd, kwok, helm), built from the
# Go module proxy at pinned versions into ~/.cache/archcheck/bin. Instant when cached; ~30 min on 2 cores when cold.
bash test/cluster/build.sh
