#!/usr/bin/env bash
# Deploy one stage overlay to the node made by k8s/node/up.sh and wait for
# every rollout. The overlay is used as is, plus what a registry-less node
# needs: the build's image tags, the Redis stand-in, the observability add-on's
# images built here (ADR 0517), `imagePullPolicy: Never`,
# and a hostPath PersistentVolume for Redis (no provisioner here).
#   k8s/node/deploy.sh stage-3-frontend   -> prints the rollout time in seconds
#   k8s/node/deploy.sh --over variants/strategies/canary/stage-1-facade
#     applies a variant over the running stage, as `skaffold dev` over a running
#     one does: same namespace, same Redis (the workshop's steps, workshop.ts)
set -euo pipefail
NODE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=k8s/node/node-lib.sh
. "$NODE_DIR/node-lib.sh"

render() { # render OVERLAY -> YAML on stdout
  local dir="$NODE_STATE/deploy/$1" src="$REPO_ROOT/k8s/overlays/$1" redis
  # A stage's overlay by its id, or any other kustomization under k8s/ (variants/migrator).
  [ -d "$src" ] || src="$REPO_ROOT/k8s/$1"
  redis="$(cat "$NODE_STATE/redis-image" 2>/dev/null || echo fig-standin/redis:7.4)"
  rm -rf "$dir"
  mkdir -p "$dir"
  cat >"$dir/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: ["$(realpath --relative-to="$dir" "$src")"]
images:
$(for app in "${NODE_APPS[@]}"; do echo "  - { name: fig-$app, newTag: \"$FIG_IMAGE_TAG\" }"; done)
  - { name: redis, newName: "${redis%:*}", newTag: "${redis##*:}" }
$(for pair in "${NODE_TELEMETRY_IMAGES[@]}"; do
    image="${pair#*=}"
    echo "  - { name: ${pair%%=*}, newName: ${image%:*}, newTag: \"${image##*:}\" }"
  done)
# The store's and the model's gRPC clients log how they resolve and balance
# (state changes and DNS answers, not calls), so the pod logs a failed
# scenario keeps show which addresses a channel had when a call waited for
# one. A diagnostic of this node only: the overlays leave it off.
patches:
  - target: { kind: Deployment, name: "frontend|frontend-v2|gateway" }
    patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata: { name: any }
      spec:
        template:
          spec:
            containers:
              - name: app
                env:
                  - { name: GRPC_TRACE, value: "dns_resolver,round_robin,pick_first" }
                  - { name: GRPC_VERBOSITY, value: DEBUG }
YAML
  bash "$REPO_ROOT/k8s/redis-password.sh" >/dev/null
  kc kustomize --load-restrictor LoadRestrictionsNone "$dir" | sed 's/imagePullPolicy: IfNotPresent/imagePullPolicy: Never/'
}

redis_volume() { # a fresh hostPath volume for the StatefulSet's claim
  kc delete pv fig-redis-data --ignore-not-found --wait=true >/dev/null
  rm -rf "$NODE_VAR/pv/redis-data"
  mkdir -p "$NODE_VAR/pv/redis-data"
  chown 999:999 "$NODE_VAR/pv/redis-data"
  kc apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolume
metadata: { name: fig-redis-data }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ""
  hostPath: { path: $NODE_VAR/pv/redis-data, type: Directory }
YAML
}

main() {
  local over=false
  [ "$1" = --over ] && over=true && shift
  local overlay="$1" start out
  start=$(date +%s)
  if ! $over; then
    kc delete ns fig --ignore-not-found --wait=true --timeout=180s >/dev/null
    redis_volume
  fi
  out="$NODE_STATE/deploy/$overlay.yaml"
  mkdir -p "$(dirname "$out")"
  render "$overlay" >"$out.tmp"
  mv "$out.tmp" "$out"
  grep -q 'imagePullPolicy: IfNotPresent\|imagePullPolicy: Always' "$out" && die "a container would pull"
  kc apply -f "$out" >&2
  local d
  for d in $(kc -n fig get deploy -o name); do
    kc -n fig rollout status "$d" --timeout=300s >&2
  done
  kc -n fig rollout status statefulset/redis --timeout=300s >&2
  # Deployments leave the replica count to their HPAs (minReplicas 2): wait for those too.
  kc -n fig wait --for=condition=Available deployment --all --timeout=300s >&2
  for d in $(kc -n fig get hpa -o jsonpath='{range .items[*]}{.spec.scaleTargetRef.name}{"="}{.spec.minReplicas}{"\n"}{end}'); do
    wait_for 180 "${d%=*} at ${d#*=} ready replicas" bash -c \
      "[ \"\$('$(tool_path kubectl)' --kubeconfig '$NODE_KUBECONFIG' -n fig get deploy ${d%=*} -o jsonpath='{.status.readyReplicas}')\" -ge ${d#*=} ]"
  done
  echo $(($(date +%s) - start))
}
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
