#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and kubectl from the wrapper module tools/go/kubernetes
# (k8s.io/kubernetes with its staging modules replaced by their published twins) into
# $CACHE/k8s/<version>/. Static (CGO_ENABLED=0), version stamped so /version reports the real one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

K8S_MODDIR="$MESHD_TOOLS_DIR/go/kubernetes"
K8S_VERSION="$(meshd_module_version "$K8S_MODDIR" k8s.io/kubernetes)"
K8S_MINOR="$(cut -d. -f2 <<<"$K8S_VERSION")"
K8S_LDFLAGS="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$K8S_MINOR -X k8s.io/component-base/version.gitTreeState=clean"
K8S_BINARIES=(kube-apiserver kube-controller-manager kubectl)

build_k8s_into() {
  local out="$1"
  (
    cd "$K8S_MODDIR"
    CGO_ENABLED=0 GOTOOLCHAIN=local meshd_go_build k8s "$(meshd_cache_root)/logs/k8s-$K8S_VERSION.log" \
      -o "$out/" -ldflags "$K8S_LDFLAGS" "${K8S_BINARIES[@]/#/k8s.io/kubernetes/cmd/}"
  )
  meshd_check_version "$K8S_VERSION" "$out/kube-apiserver" --version
}

meshd_build_component k8s "$K8S_VERSION" "$(meshd_recipe_stamp "$K8S_MODDIR" "$K8S_LDFLAGS")" \
  build_k8s_into "${K8S_BINARIES[@]}"
