#!/usr/bin/env bash
# Builds the Toxiproxy server (the TCP fault proxy `testenv up --proxy` puts between meshd and each
# API server) from the wrapper module tools/go/toxiproxy into $CACHE/toxiproxy/<version>/toxiproxy-server,
# with the version stamped so `toxiproxy-server -version` reports the real one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOXIPROXY_MODDIR="$MESHD_TOOLS_DIR/go/toxiproxy"
TOXIPROXY_VERSION="$(meshd_module_version "$TOXIPROXY_MODDIR" github.com/Shopify/toxiproxy/v2)"
TOXIPROXY_LDFLAGS="-s -w -X github.com/Shopify/toxiproxy/v2.Version=$TOXIPROXY_VERSION"

build_toxiproxy_into() {
  local out="$1"
  (
    cd "$TOXIPROXY_MODDIR"
    CGO_ENABLED=0 GOTOOLCHAIN=local meshd_go_build toxiproxy "$(meshd_cache_root)/logs/toxiproxy-$TOXIPROXY_VERSION.log" \
      -o "$out/toxiproxy-server" -ldflags "$TOXIPROXY_LDFLAGS" github.com/Shopify/toxiproxy/v2/cmd/server
  )
  meshd_check_version "$TOXIPROXY_VERSION" "$out/toxiproxy-server" -version
}

meshd_build_component toxiproxy "$TOXIPROXY_VERSION" "$(meshd_recipe_stamp "$TOXIPROXY_MODDIR" "$TOXIPROXY_LDFLAGS")" \
  build_toxiproxy_into toxiproxy-server
