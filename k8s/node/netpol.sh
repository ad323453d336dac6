#!/usr/bin/env bash
# NetworkPolicy enforcement on the node: kube-network-policies (built from its
# module by k8s/node/build.sh) as a hostNetwork DaemonSet with NET_ADMIN (v0.8.0
# reads only the in-cluster configuration, so it cannot run as a host process),
# then probes from the fig pods: an edge the policies allow must connect, one
# they forbid must not. Needs a deployed stage 3. Prints PASS/FAIL lines.
#   k8s/node/netpol.sh install | probe
set -uo pipefail
NODE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=k8s/node/node-lib.sh
. "$NODE_DIR/node-lib.sh"
. "$REPO_ROOT/tools/delivery/engine-lib.sh"
KNP_IMAGE="fig.local/kube-network-policies:$KUBE_NETWORK_POLICIES_VERSION"

install() {
  local tmp runtime
  tmp="$(mktemp -d)"
  runtime="$("$REPO_ROOT/tools/delivery/standins.sh" | sed -n 's/^RUNTIME_IMAGE=//p')"
  cp "$(node_tool_path kube-network-policies)" "$tmp/kube-network-policies"
  printf 'FROM %s\nCOPY kube-network-policies /kube-network-policies\nUSER 0:0\nENTRYPOINT ["/kube-network-policies"]\n' "$runtime" >"$tmp/Dockerfile"
  docker_ build -q -t "$KNP_IMAGE" "$tmp" >/dev/null || return 1
  docker_ save -o "$tmp/image.tar" "$KNP_IMAGE" && ctr_ images import "$tmp/image.tar" >/dev/null || return 1
  rm -rf "$tmp"
  kc apply -f - <<YAML || return 1
apiVersion: v1
kind: ServiceAccount
metadata: { name: kube-network-policies, namespace: kube-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: kube-network-policies }
rules:
  - { apiGroups: [""], resources: [pods, namespaces, nodes], verbs: [list, watch] }
  - { apiGroups: [networking.k8s.io], resources: [networkpolicies], verbs: [list, watch] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: kube-network-policies }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kube-network-policies }
subjects: [{ kind: ServiceAccount, name: kube-network-policies, namespace: kube-system }]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: kube-network-policies, namespace: kube-system }
spec:
  selector: { matchLabels: { app: kube-network-policies } }
  template:
    metadata: { labels: { app: kube-network-policies } }
    spec:
      hostNetwork: true
      serviceAccountName: kube-network-policies
      priorityClassName: system-node-critical
      containers:
        - name: kube-network-policies
          image: $KNP_IMAGE
          imagePullPolicy: Never
          args: [--hostname-override=\$(NODE_NAME), --disable-nri, --metrics-bind-address=127.0.0.1:9380, --v=2]
          env: [{ name: NODE_NAME, valueFrom: { fieldRef: { fieldPath: spec.nodeName } } }]
          resources: { requests: { cpu: 50m, memory: 50Mi } }
          securityContext: { capabilities: { add: [NET_ADMIN] } }
YAML
  kc -n kube-system rollout status daemonset/kube-network-policies --timeout=180s
}

# probe FROM-APP HOST PORT: can a pod of FROM-APP open a TCP connection to HOST:PORT?
probe() {
  kc -n fig exec "deploy/$1" -- node -e '
    const s = require("net").connect(Number(process.argv[2]), process.argv[1]);
    s.setTimeout(3000, () => { console.log("timeout"); process.exit(1); });
    s.on("connect", () => { console.log("connected"); process.exit(0); });
    s.on("error", (e) => { console.log(e.code); process.exit(1); });' "$2" "$3"
}

probes() {
  local out
  out="$(probe store-svc redis-0.redis 6379 2>&1)" && echo "PASS NetworkPolicy: allowed edge store-svc -> redis:6379 connects" ||
    echo "FAIL NetworkPolicy: allowed edge store-svc -> redis:6379: $out"
  out="$(probe frontend redis-0.redis 6379 2>&1)" && echo "FAIL NetworkPolicy: forbidden edge frontend -> redis:6379 connected" ||
    echo "PASS NetworkPolicy: forbidden edge frontend -> redis:6379 refused ($out)"
  out="$(probe gateway monolith 8081 2>&1)" && echo "PASS NetworkPolicy: allowed edge gateway -> monolith:8081 connects" ||
    echo "FAIL NetworkPolicy: allowed edge gateway -> monolith:8081: $out"
  out="$(probe monolith frontend 8082 2>&1)" && echo "FAIL NetworkPolicy: forbidden edge monolith -> frontend:8082 connected" ||
    echo "PASS NetworkPolicy: forbidden edge monolith -> frontend:8082 refused ($out)"
}

case "${1:-}" in
  install) install ;;
  probe) probes ;;
  *) die "usage: netpol.sh install|probe" ;;
esac
