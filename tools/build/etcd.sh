#!/usr/bin/env bash
# Builds the etcd server from the wrapper module tools/go/etcd (go.etcd.io/etcd/server/v3 has its main
# package at the module root and replace lines of its own, so `go install` cannot build it) into
# $CACHE/etcd/<version>/etcd. The version is compiled into etcd's own packages; no stamping needed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ETCD_MODDIR="$MESHD_TOOLS_DIR/go/etcd"
ETCD_VERSION="$(meshd_module_version "$ETCD_MODDIR" go.etcd.io/etcd/server/v3)"
ETCD_LDFLAGS="-s -w"

build_etcd_into() {
  local out="$1"
  (
    cd "$ETCD_MODDIR"
    CGO_ENABLED=0 GOTOOLCHAIN=local meshd_go_build etcd "$(meshd_cache_root)/logs/etcd-$ETCD_VERSION.log" \
      -o "$out/etcd" -ldflags "$ETCD_LDFLAGS" go.etcd.io/etcd/server/v3
  )
  meshd_check_version "${ETCD_VERSION#v}" "$out/etcd" --version
}

meshd_build_component etcd "$ETCD_VERSION" "$(meshd_recipe_stamp "$ETCD_MODDIR" "$ETCD_LDFLAGS")" \
  build_etcd_into etcd
