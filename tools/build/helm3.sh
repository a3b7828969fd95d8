#!/usr/bin/env bash
# Builds the Helm 3 client from the wrapper module tools/go/helm3 into $CACHE/helm/<version>/helm,
# with the version stamped so `helm version` reports the real one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELM3_MODDIR="$MESHD_TOOLS_DIR/go/helm3"
HELM3_VERSION="$(meshd_module_version "$HELM3_MODDIR" helm.sh/helm/v3)"
HELM3_LDFLAGS="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM3_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"

build_helm3_into() {
  local out="$1"
  (
    cd "$HELM3_MODDIR"
    CGO_ENABLED=0 GOTOOLCHAIN=local meshd_go_build helm3 "$(meshd_cache_root)/logs/helm-$HELM3_VERSION.log" \
      -o "$out/helm" -ldflags "$HELM3_LDFLAGS" helm.sh/helm/v3/cmd/helm
  )
  meshd_check_version "$HELM3_VERSION" "$out/helm" version --short
}

meshd_build_component helm "$HELM3_VERSION" "$(meshd_recipe_stamp "$HELM3_MODDIR" "$HELM3_LDFLAGS")" \
  build_helm3_into helm
