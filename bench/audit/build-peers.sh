#!/usr/bin/env bash
# Build the tools the side-by-side audit benchmark (bench/audit/side-by-side.ts) compares archcheck with, into the
# same cache as the test control plane (never into the work tree):
#
#   ${ARCHCHECK_CACHE_DIR:-$HOME/.cache/archcheck}/bin/kubearchinspect-vX.Y.Z/kubearchinspect
#   ${ARCHCHECK_CACHE_DIR:-$HOME/.cache/archcheck}/bin/crane-vX.Y.Z/crane
#
# kubearchinspect (github.com/ArmDeveloperEcosystem/kubearchinspect) is `go install`ed from the module proxy. Where
# the proxy does not serve it (it answers 403 on some mirrors), set KUBEARCHINSPECT_SRC to a checkout of the tag
# KUBEARCHINSPECT_VERSION: it is built from there, its dependencies still from the module proxy (go.sum checks them).
# crane (go-containerregistry) always comes from the module proxy; the benchmark uses it only when kubearchinspect
# cannot be built.
#
# Usage: bench/audit/build-peers.sh [--print-paths]       Environment: ARCHCHECK_CACHE_DIR, KUBEARCHINSPECT_SRC.
set -euo pipefail

KUBEARCHINSPECT_VERSION=v0.8.0
CRANE_VERSION=v0.22.1

BIN_ROOT="${ARCHCHECK_CACHE_DIR:-$HOME/.cache/archcheck}/bin"
KAI_DIR="$BIN_ROOT/kubearchinspect-$KUBEARCHINSPECT_VERSION"
CRANE_DIR="$BIN_ROOT/crane-$CRANE_VERSION"

if [ "${1:-}" = "--print-paths" ]; then
  echo "KUBEARCHINSPECT=$KAI_DIR/kubearchinspect"
  echo "CRANE=$CRANE_DIR/crane"
  exit 0
fi

export CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false -mod=mod"
log() { printf '[build-peers %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Its release build (.goreleaser.yaml): CGO off, version stamped into cmd.version.
KAI_LDFLAGS="-s -w -X github.com/ArmDeveloperEcosystem/kubearchinspect/cmd.version=${KUBEARCHINSPECT_VERSION#v}"

build_kubearchinspect() {
  [ -x "$KAI_DIR/kubearchinspect" ] && return 0
  mkdir -p "$KAI_DIR"
  log "kubearchinspect $KUBEARCHINSPECT_VERSION"
  if GOBIN="$KAI_DIR" nice go install -trimpath -ldflags "$KAI_LDFLAGS" "github.com/ArmDeveloperEcosystem/kubearchinspect@$KUBEARCHINSPECT_VERSION"; then
    return 0
  fi
  if [ -z "${KUBEARCHINSPECT_SRC:-}" ]; then
    log "the module proxy does not serve kubearchinspect; set KUBEARCHINSPECT_SRC to a checkout of $KUBEARCHINSPECT_VERSION"
    return 1
  fi
  log "building kubearchinspect from $KUBEARCHINSPECT_SRC"
  (cd "$KUBEARCHINSPECT_SRC" && nice go build -trimpath -ldflags "$KAI_LDFLAGS" -o "$KAI_DIR/kubearchinspect" .)
}

build_crane() {
  [ -x "$CRANE_DIR/crane" ] && return 0
  mkdir -p "$CRANE_DIR"
  log "crane $CRANE_VERSION"
  GOBIN="$CRANE_DIR" nice go install -trimpath -ldflags "-s -w" "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"
}

status=0
build_kubearchinspect || status=1
build_crane || status=1
exit $status
