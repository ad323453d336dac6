#!/usr/bin/env bash
# NetworkPolicy enforcement on the node: kube-router's network policy
# controller (built from its module by k8s/node/build.sh) as a host process,
# with the router and the service proxy off (kube-proxy stays the proxy). It
# enforces with iptables and ipsets, which this kernel has; the nftables
# `queue` expression kube-network-policies needs it lacks (ADR 0122). Then
# probes from the fig pods: an edge the policies allow must connect, one they
# forbid must not. `probe` needs a deployed stage 3. Prints PASS/FAIL lines.
#   k8s/node/netpol.sh install | probe | remove
set -uo pipefail
NODE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=k8s/node/node-lib.sh
. "$NODE_DIR/node-lib.sh"

# The policy controller's chains: once the FORWARD hook is there, it has synced.
synced() { iptables -w 10 -S FORWARD 2>/dev/null | grep -q -- '-j KUBE-ROUTER-FORWARD'; }

install() {
  command -v ipset >/dev/null || die "kube-router needs ipset (apt-get install ipset)"
  daemon_start kube-router "$(node_tool_path kube-router)" \
    --kubeconfig="$NODE_KUBECONFIG" --hostname-override="$NODE_NAME" \
    --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false \
    --service-cluster-ip-range="$SERVICE_CIDR" --health-port=0 --metrics-port=0 --v=1
  wait_for 60 "kube-router's policy chains" synced || { tail -n 20 "$NODE_STATE/kube-router.log"; return 1; }
  echo "PASS NetworkPolicy: kube-router's policy controller enforces (iptables chains synced)"
}

# remove: stop the controller. Its chains and ipsets stay until down.sh's
# sweep, which takes every KUBE-* chain up.sh did not find, then the ipsets
# the chains held (kube-router's own --cleanup-config panics in v2.1.0, in its
# service proxy's clean-up, which never ran here).
remove() { daemon_stop kube-router 10; }

# probe FROM-APP HOST PORT: can a pod of FROM-APP open a TCP connection to HOST:PORT?
probe() {
  kc -n fig exec "deploy/$1" -- node -e '
    const s = require("net").connect(Number(process.argv[2]), process.argv[1]);
    s.setTimeout(3000, () => { console.log("timeout"); process.exit(1); });
    s.on("connect", () => { console.log("connected"); process.exit(0); });
    s.on("error", (e) => { console.log(e.code); process.exit(1); });' "$2" "$3"
}

# allowed FROM-APP HOST PORT / forbidden FROM-APP HOST PORT: one PASS/FAIL line.
# A forbidden edge passes only when the probe itself ran and its connection
# was dropped or refused, not when kubectl exec failed.
allowed() {
  local out
  out="$(probe "$@" 2>&1)" && echo "PASS NetworkPolicy: allowed edge $1 -> $2:$3 connects" ||
    echo "FAIL NetworkPolicy: allowed edge $1 -> $2:$3: $(tail -n 1 <<<"$out")"
}
forbidden() {
  local out verdict
  if out="$(probe "$@" 2>&1)"; then
    echo "FAIL NetworkPolicy: forbidden edge $1 -> $2:$3 connected"
  elif verdict="$(grep -m1 -xE 'timeout|E[A-Z]+' <<<"$out")"; then
    echo "PASS NetworkPolicy: forbidden edge $1 -> $2:$3 cut ($verdict)"
  else
    echo "FAIL NetworkPolicy: probe $1 -> $2:$3 did not run: $(tail -n 1 <<<"$out")"
  fi
}

probes() {
  allowed store-svc redis-0.redis 6379
  forbidden frontend redis-0.redis 6379
  allowed gateway monolith 8081
  forbidden monolith frontend 8082
  allowed frontend store-svc 50051
  forbidden live-view store-svc 50051
}

case "${1:-}" in
  install) install ;;
  probe) probes ;;
  remove) remove ;;
  *) die "usage: netpol.sh install|probe|remove" ;;
esac
