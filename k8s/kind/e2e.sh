#!/usr/bin/env bash
# Deploys one Fig profile to a fresh kind cluster and runs the end-to-end suite
# against it: create the cluster, install Istio when the profile needs it,
# build and load the images, deploy, wait for every rollout, test through the
# front door's NodePort, dump logs and events on failure, delete the cluster.
#
#   npm run e2e:kind -w k8s -- [--profile stage-2-store] [--stage stage-1-facade] [--keep]
#                              [--no-metrics-server]
#
# --profile  a skaffold profile: a stage id of stages.yaml, istio, observability,
#            istio-observability (default: the catalogue's default stage)
# --stage    FIG_STAGE for the add-on profiles (default: the same)
# --keep     leave the cluster running afterwards (to look around, or to rerun)
# --no-metrics-server
#            skip the optional metrics-server install, the only step that needs the
#            internet (the HorizontalPodAutoscalers then show <unknown>); a failed
#            download is reported and the run goes on
set -euo pipefail

cluster=fig
# The stage catalogue's default stage, read from its one line (stages.yaml).
profile=$(sed -n 's/^default: *//p' "$(dirname "$0")/../../stages.yaml")
keep=false
metrics_server=true
while (($#)); do
  case $1 in
    --profile) profile=${2:?--profile needs a value}; shift 2 ;;
    --stage) export FIG_STAGE=${2:?--stage needs a value}; shift 2 ;;
    --keep) keep=true; shift ;;
    --no-metrics-server) metrics_server=false; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
context=kind-$cluster
namespace=fig
# k8s/kind/cluster.yaml maps the front door's NodePort here.
base_url=http://127.0.0.1:30080

for tool in kind kubectl skaffold docker; do
  command -v "$tool" >/dev/null || { echo "$tool is required (see docs/kubernetes.md)" >&2; exit 1; }
done
if [[ $profile == *istio* ]] && ! command -v istioctl >/dev/null; then
  echo "profile $profile needs istioctl on the PATH" >&2
  exit 1
fi

dump() {
  echo "--- pods, events and logs in $namespace ---" >&2
  kubectl --context "$context" -n "$namespace" get pods -o wide >&2 || true
  kubectl --context "$context" -n "$namespace" get events --sort-by=.lastTimestamp >&2 || true
  local pod
  for pod in $(kubectl --context "$context" -n "$namespace" get pods -o name 2>/dev/null); do
    echo "--- $pod ---" >&2
    kubectl --context "$context" -n "$namespace" describe "$pod" | tail -n 25 >&2 || true
    kubectl --context "$context" -n "$namespace" logs "$pod" --all-containers --prefix --tail=200 >&2 || true
    kubectl --context "$context" -n "$namespace" logs "$pod" --all-containers --prefix --previous --tail=50 >&2 2>/dev/null || true
  done
}

finish() {
  local status=$?
  ((status == 0)) || dump
  if [[ $keep == true ]]; then
    echo "cluster kept: kubectl --context $context -n $namespace get pods; delete with: kind delete cluster --name $cluster"
  else
    kind delete cluster --name "$cluster" || true
  fi
  exit "$status"
}
trap finish EXIT

if ! kind get clusters | grep -qx "$cluster"; then
  kind create cluster --config k8s/kind/cluster.yaml --wait 120s
fi

if [[ $metrics_server == true ]]; then
  # OPTIONAL step, and the only one that needs the internet: metrics-server,
  # which kind lacks, feeds the HorizontalPodAutoscalers their CPU readings.
  # kind's kubelets serve self-signed certificates, hence --kubelet-insecure-tls
  # (acceptable on a throwaway local cluster only). If the download or the
  # rollout fails the run goes on: the HPAs keep their minimum replicas and
  # show <unknown> targets. Skip it with --no-metrics-server.
  echo "optional: installing metrics-server v0.8.1 from github.com (skip with --no-metrics-server)" >&2
  if kubectl --context "$context" apply -f \
    https://github.com/kubernetes-sigs/metrics-server/releases/download/v0.8.1/components.yaml; then
    kubectl --context "$context" -n kube-system patch deployment metrics-server --type=json \
      -p '[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--kubelet-insecure-tls"}]' &&
      kubectl --context "$context" -n kube-system rollout status deployment/metrics-server --timeout=120s ||
      echo "optional metrics-server is not ready; continuing (the HPAs will show <unknown> targets)" >&2
  else
    echo "optional metrics-server could not be installed (no internet?); continuing without it" >&2
  fi
fi

# The Redis password of this checkout's deployments (ADR 0113); skaffold's
# render hook would create it too.
bash k8s/redis-password.sh

if [[ $profile == *istio* ]]; then
  # The CNI node agent replaces istio-init, so the fig namespace can stay on
  # the "baseline" Pod Security level (istio/mesh/namespace-injection.yaml).
  istioctl --context "$context" install -y --set profile=default --set components.cni.enabled=true
fi

# Builds every artifact, loads the images into kind (no registry), applies the
# overlay and waits until each Deployment and StatefulSet is rolled out.
skaffold run --kube-context "$context" -p "$profile" --status-check=true

kubectl --context "$context" -n "$namespace" wait --for=condition=Available deployment --all --timeout=180s
kubectl --context "$context" -n "$namespace" rollout status statefulset/redis --timeout=180s

E2E_BASE_URL=$base_url npm run e2e:deployed -w e2e
