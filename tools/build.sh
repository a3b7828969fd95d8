#!/usr/bin/env bash
# Builds (once per machine, cached by version) the binaries the test environment needs:
#   bash tools/build.sh [all|k8s|etcd|helm3|helm2|toxiproxy|istiod]...
# `all` = k8s etcd helm3 toxiproxy, plus helm2 when tools/build/helm2.sh exists and MESHD_SKIP_HELM2 is unset,
# plus istiod (pilot-discovery, ~15 min cold on 2 cores: the registry's real consumer in the
# integration tests) unless MESHD_SKIP_ISTIOD is set.
# Cache: ${MESHD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meshd}. A warm cache rebuilds nothing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

build_one() {
  case "$1" in
    k8s | etcd | helm3 | toxiproxy | istiod) bash "$here/build/$1.sh" ;;
    helm2)
      if [[ ! -f "$here/build/helm2.sh" ]]; then
        echo "error: tools/build/helm2.sh does not exist (yet)" >&2
        return 1
      fi
      bash "$here/build/helm2.sh"
      ;;
    *)
      echo "usage: bash tools/build.sh [all|k8s|etcd|helm3|helm2|toxiproxy|istiod]..." >&2
      return 2
      ;;
  esac
}

targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(all)
for target in "${targets[@]}"; do
  if [[ "$target" == all ]]; then
    # helm3 first: it is the smallest and chart rendering needs it.
    build_one helm3
    build_one etcd
    build_one k8s
    build_one toxiproxy
    if [[ -f "$here/build/helm2.sh" && -z "${MESHD_SKIP_HELM2:-}" ]]; then
      build_one helm2
    fi
    if [[ -z "${MESHD_SKIP_ISTIOD:-}" ]]; then
      build_one istiod
    fi
  else
    build_one "$target"
  fi
done
