#!/usr/bin/env bash
# Builds the Helm 2 client and Tiller from the wrapper module tools/go/helm2 into
# $CACHE/helm/<version>/{helm,tiller} (v2.17.0), version stamped so `helm version` and
# `tiller --version` report the real one. A warm cache rebuilds nothing and needs no Go.
#
# Helm 2's dependencies (Kubernetes 1.16, old json-iterator, grpc 1.18) need an old Go: Debian's
# golang-1.19-go, installed here with apt-get when missing (as root, or with passwordless sudo).
# Override with MESHD_GO119=/path/to/go1.19/bin/go. Build parallelism: MESHD_HELM2_JOBS (default 2).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELM2_MODDIR="$MESHD_TOOLS_DIR/go/helm2"
HELM2_MODULE_VERSION="$(meshd_module_version "$HELM2_MODDIR" k8s.io/helm)" # v2.17.0+incompatible
HELM2_VERSION="${HELM2_MODULE_VERSION%+incompatible}"
# Commit of the v2.17.0 tag in github.com/helm/helm, as the release binaries report it.
HELM2_GIT_COMMIT="a690bad98af45b015bd3da1a41f6218b1a451dbe"
HELM2_LDFLAGS="-s -w -X k8s.io/helm/pkg/version.Version=$HELM2_VERSION -X k8s.io/helm/pkg/version.BuildMetadata= -X k8s.io/helm/pkg/version.GitCommit=$HELM2_GIT_COMMIT -X k8s.io/helm/pkg/version.GitTreeState=clean"
HELM2_BINARIES=(helm tiller)
GO119="${MESHD_GO119:-/usr/lib/go-1.19/bin/go}"

# Makes Go 1.19 available at $GO119, installing Debian's golang-1.19-go when it is missing.
ensure_go119() {
  if [[ ! -x "$GO119" ]]; then
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then
      if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo=(sudo -n)
      else
        sudo=(none)
      fi
    fi
    if [[ "${sudo[*]}" == none || -n "${MESHD_GO119:-}" ]] || ! command -v apt-get >/dev/null 2>&1; then
      cat >&2 <<MSG
error: Helm 2 / Tiller need Go 1.19, and $GO119 does not exist.
Install Debian's golang-1.19-go as root (apt-get update && apt-get install -y golang-1.19-go),
or point MESHD_GO119 at another Go 1.19 binary, then run \`bash tools/build.sh helm2\` again.
MSG
      exit 127
    fi
    local log
    log="$(meshd_cache_root)/logs/apt-golang-1.19.log"
    mkdir -p "$(dirname "$log")"
    meshd_log helm2 "installing golang-1.19-go with apt-get (Helm 2 needs Go 1.19; log: $log)…"
    if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q golang-1.19-go; } >"$log" 2>&1; then
      tail -n 20 "$log" >&2
      echo "error: apt-get could not install golang-1.19-go (full log: $log)" >&2
      exit 1
    fi
  fi
  local version
  version="$("$GO119" env GOVERSION)"
  if [[ "$version" != go1.19* ]]; then
    echo "error: $GO119 is $version; Helm 2 / Tiller are built with Go 1.19" >&2
    exit 1
  fi
}

build_helm2_into() {
  local out="$1"
  (
    cd "$HELM2_MODDIR"
    export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false"
    meshd_go_build helm2 "$(meshd_cache_root)/logs/helm-$HELM2_VERSION.log" \
      -p "${MESHD_HELM2_JOBS:-2}" -o "$out/" -ldflags "$HELM2_LDFLAGS" k8s.io/helm/cmd/helm k8s.io/helm/cmd/tiller
  )
  meshd_check_version "$HELM2_VERSION" "$out/helm" version --client --short
  meshd_check_version --line "$HELM2_VERSION" "$out/tiller" --version
}

HELM2_STAMP="$(meshd_recipe_stamp "$HELM2_MODDIR" "$HELM2_LDFLAGS go1.19")"
if ! meshd_is_built "$(meshd_cache_root)/helm/$HELM2_VERSION" "$HELM2_STAMP" "${HELM2_BINARIES[@]}"; then
  ensure_go119
  PATH="$(dirname "$GO119"):$PATH"
  export PATH
fi
# Component "helm": the Helm 3 build shares the directory $CACHE/helm and so the lock.
meshd_build_component helm "$HELM2_VERSION" "$HELM2_STAMP" build_helm2_into "${HELM2_BINARIES[@]}"
