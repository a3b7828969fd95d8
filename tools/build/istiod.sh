#!/usr/bin/env bash
# Builds istiod's discovery server (`pilot-discovery`) from the wrapper module tools/go/istiod
# (istio.io/istio pinned to a master pseudo-version; its go.mod has no replace directives) into
# $CACHE/istiod/<version>/pilot-discovery. The test environment runs it out of cluster against the
# control-plane cluster (`npm run testenv -- up --istiod`) as the real consumer of meshd's registry.
# Cold: ~15 min and ~1,800 packages on 2 busy cores; a warm cache rebuilds nothing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ISTIOD_MODDIR="$MESHD_TOOLS_DIR/go/istiod"
ISTIOD_VERSION="$(meshd_module_version "$ISTIOD_MODDIR" istio.io/istio)"
ISTIOD_LDFLAGS="-s -w"

build_istiod_into() {
  local out="$1"
  (
    cd "$ISTIOD_MODDIR"
    CGO_ENABLED=0 GOTOOLCHAIN=local meshd_go_build istiod "$(meshd_cache_root)/logs/istiod-$ISTIOD_VERSION.log" \
      -buildvcs=false -o "$out/pilot-discovery" -ldflags "$ISTIOD_LDFLAGS" istio.io/istio/pilot/cmd/pilot-discovery
  )
  "$out/pilot-discovery" version --short >/dev/null
}

meshd_build_component istiod "$ISTIOD_VERSION" "$(meshd_recipe_stamp "$ISTIOD_MODDIR" "$ISTIOD_LDFLAGS")" \
  build_istiod_into pilot-discovery
