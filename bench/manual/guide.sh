#!/usr/bin/env bash
# The Istio 0.8 multicluster guide's procedure, scripted the way a careful operator would: strict
# mode, idempotent `kubectl apply` everywhere (so re-running it after a Pilot restart is the fix the
# guide implies), the policy Mixer selected explicitly, Running pods only, server fields stripped
# from copied secrets. This is the baseline bench/manual/main.ts times against `meshd apply`.
#
# Input (environment):
#   KUBECTL, HELM          binaries (kubectl, Helm 3)
#   MC_DIR                 the cluster directory ($HOME/multicluster in the guide):
#                          NAME.yaml + NAME.kube.conf per cluster
#   CP                     name of the control-plane cluster
#   REMOTES                names of the remote clusters, space-separated
#   CHART                  the istio-remote chart directory
#   SECRET_NAMESPACES      application namespaces whose istio.default is copied, space-separated
#                          (may be empty)
# Needs jq (Debian: apt-get install -y jq) to strip server fields from the copied secrets.
set -euo pipefail

: "${KUBECTL:?}" "${HELM:?}" "${MC_DIR:?}" "${CP:?}" "${REMOTES:?}" "${CHART:?}"
SECRET_NAMESPACES="${SECRET_NAMESPACES:-}"
if ! command -v jq >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "guide.sh: installing jq (apt-get)" >&2
  { apt-get update -qq && apt-get install -y -qq jq; } >/dev/null 2>&1 || true
fi
command -v jq >/dev/null || { echo "guide.sh: jq is required (apt-get install -y jq)" >&2; exit 2; }

kc() { # kc CLUSTER ARGS...: kubectl against one cluster of the directory
  local cluster=$1
  shift
  "$KUBECTL" --kubeconfig "$MC_DIR/$cluster.kube.conf" "$@"
}

pod_ip() { # pod_ip SELECTOR: IP of a Running pod of istio-system on the control plane
  local ip
  ip=$(kc "$CP" -n istio-system get pods -l "$1" --field-selector=status.phase=Running -o jsonpath='{.items[0].status.podIP}')
  [[ -n "$ip" ]] || { echo "guide.sh: no Running pod with $1 on $CP" >&2; exit 1; }
  echo "$ip"
}

# 1. Publish the cluster registry on the control plane (the guide's -f DIR is really --from-file).
kc "$CP" -n istio-system create configmap multicluster --from-file="$MC_DIR" --dry-run=client -o yaml | kc "$CP" apply -f -

# 2. Look up the control plane's pod IPs.
PILOT_IP=$(pod_ip istio=pilot)
POLICY_IP=$(pod_ip istio=mixer,istio-mixer-type=policy)
STATSD_IP=$(pod_ip istio=statsd-prom-bridge)

# 3. Render istio-remote with those IPs and apply it to every remote.
for remote in $REMOTES; do
  kc "$remote" create namespace istio-system --dry-run=client -o yaml | kc "$remote" apply -f -
  "$HELM" template istio-remote "$CHART" --namespace istio-system \
    --set global.pilotEndpoint="$PILOT_IP" --set global.policyEndpoint="$POLICY_IP" --set global.statsdEndpoint="$STATSD_IP" |
    kc "$remote" apply -n istio-system -f -
done

# 4. Copy istio.default of each application namespace to every remote.
for ns in $SECRET_NAMESPACES; do
  secret=$(kc "$CP" -n "$ns" get secret istio.default -o json |
    jq 'del(.metadata.uid, .metadata.resourceVersion, .metadata.creationTimestamp, .metadata.managedFields,
            .metadata.selfLink, .metadata.ownerReferences,
            .metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"])')
  for remote in $REMOTES; do
    echo "$secret" | kc "$remote" apply -f -
  done
done
