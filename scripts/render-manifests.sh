#!/usr/bin/env bash
# Render manifests/archcheck.yaml from charts/archcheck with default values: the plain-YAML install for clusters
# without Helm. One source of truth: edit the chart, then run `npm run manifests`; test/chart.test.ts fails when
# the committed file is stale.
#
#   scripts/render-manifests.sh            write manifests/archcheck.yaml
#   scripts/render-manifests.sh --stdout   print it instead
#
# helm is the pinned one built by test/cluster/build.sh (set $HELM to use another binary).
set -euo pipefail
cd "$(dirname "$0")/.."

# Release name and namespace of the plain install. The kube version decides version-gated fields
# (matchConditions need >= 1.28; 1.30 is the oldest Kubernetes release with them GA).
RELEASE=archcheck
NAMESPACE=archcheck
KUBE_VERSION=1.30.0
OUT=manifests/archcheck.yaml

if [[ -z "${HELM:-}" ]]; then
  HELM="$(bash test/cluster/build.sh --print-paths | sed -n 's/^HELM=//p')"
  [[ -x "$HELM" ]] || bash test/cluster/build.sh helm >&2
fi

render() {
  local version
  version="$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' charts/archcheck/Chart.yaml)"
  cat <<HEADER
# archcheck ${version}: the Helm chart charts/archcheck rendered with its default values (release "${RELEASE}",
# namespace "${NAMESPACE}", Kubernetes >= ${KUBE_VERSION}) by scripts/render-manifests.sh. Do not edit: change the chart
# and run \`npm run manifests\`.
#
#   kubectl apply -f manifests/archcheck.yaml
#
# Uninstall: first release the pods archcheck still holds behind its scheduling gate (the chart's pre-delete hook
# does this; hooks are not part of this file), then delete:
#   kubectl -n ${NAMESPACE} exec deploy/${RELEASE} -- /nodejs/bin/node dist/webhook/main.js release-gates
#   kubectl delete -f manifests/archcheck.yaml (the webhook configurations are deleted with the rest).
# Certificates: the webhook creates its own CA in Secret ${NAMESPACE}/${RELEASE}-tls and patches caBundle itself.
---
apiVersion: v1
kind: Namespace
metadata:
  name: ${NAMESPACE}
  labels:
    app.kubernetes.io/part-of: archcheck
    # Pods of the webhook run under the restricted Pod Security Standard.
    pod-security.kubernetes.io/enforce: restricted
HEADER
  HELM_CONFIG_HOME="$PWD/.tmp/helm-home/config" HELM_CACHE_HOME="$PWD/.tmp/helm-home/cache" \
    HELM_DATA_HOME="$PWD/.tmp/helm-home/data" \
    "$HELM" template "$RELEASE" charts/archcheck --namespace "$NAMESPACE" --kube-version "$KUBE_VERSION" --no-hooks --skip-tests
}

case "${1:-}" in
  --stdout) render ;;
  "") render >"$OUT.tmp" && mv "$OUT.tmp" "$OUT" && echo "wrote $OUT" >&2 ;;
  *) echo "usage: $0 [--stdout]" >&2; exit 2 ;;
esac
