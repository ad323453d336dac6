#!/usr/bin/env bash
# Tear down what k8s/node/up.sh started: workloads first (so that kubelet and
# the CNI plugins undo their own network set-up), then the node, then the
# control plane, then a sweep for anything left: containerd shims, mounts,
# network namespaces, iptables/nftables rules, the bridge, cgroups, sysctls.
# Safe to run twice, and after a half-finished up.sh. Prints what it removed.
set -uo pipefail
NODE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=k8s/node/node-lib.sh
. "$NODE_DIR/node-lib.sh"
set +e

drain_workloads() {
  daemon_alive kube-apiserver && daemon_alive kubelet || return 0
  local ns
  for ns in $(kc get ns -o name 2>/dev/null | sed 's|namespace/||'); do
    case "$ns" in default | kube-system | kube-public | kube-node-lease) ;; *) kc delete ns "$ns" --wait=false >/dev/null 2>&1 ;; esac
  done
  kc -n kube-system delete deployment coredns --wait=false >/dev/null 2>&1
  # kubelet stops each pod's sandbox, and the CNI plugins remove its veth,
  # address and NAT rules.
  wait_for 120 "every pod gone" bash -c "[ -z \"\$('$(tool_path kubectl)' --kubeconfig '$NODE_KUBECONFIG' get pods -A -o name 2>/dev/null)\" ]"
  wait_for 60 "every sandbox gone" bash -c "[ -z \"\$(ctr --address '$CONTAINERD_SOCK' -n k8s.io tasks ls -q 2>/dev/null)\" ]"
}

stop_node() {
  # The policy controller first, so it stops rewriting rules; sweep() takes its
  # chains and ipsets.
  bash "$NODE_DIR/netpol.sh" remove
  if daemon_alive kube-proxy; then
    daemon_stop kube-proxy 10
  fi
  [ -x "$(tool_path kube-proxy)" ] && "$(tool_path kube-proxy)" --cleanup >"$NODE_STATE/kube-proxy-cleanup.log" 2>&1
  daemon_stop kubelet 20
  if [ -S "$CONTAINERD_SOCK" ]; then
    local t
    for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$t" >/dev/null 2>&1; done
    sleep 1
    for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks delete -f "$t" >/dev/null 2>&1; done
  fi
  daemon_stop containerd 20
  # Shims outlive containerd by design; ours name our socket on their command line.
  local pid
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCK"); do
    echo "killing leftover shim $pid"
    kill -9 "$pid" 2>/dev/null
  done
}

stop_control_plane() {
  daemon_stop kube-scheduler 10
  daemon_stop kube-controller-manager 10
  daemon_stop kube-apiserver 15
  daemon_stop etcd 15
}

sweep() {
  local m
  # Mounts under our directories, deepest first.
  awk '{print $5}' /proc/self/mountinfo | grep -E "^($NODE_VAR|$NODE_RUN)/" | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null && echo "unmounted $m"
  done
  # Network namespaces the CRI plugin made (recorded by up.sh's "before" list).
  local ns path
  for path in /run/netns/cni-*; do
    [ -e "$path" ] || continue
    ns="${path##*/}"
    grep -qx "$ns" "$NODE_STATE/netns.before" 2>/dev/null && continue
    umount -l "/run/netns/$ns" 2>/dev/null
    rm -f "/run/netns/$ns" && echo "removed netns $ns"
  done
  # iptables chains KUBE-*/CNI-* that did not exist before up.sh, and every rule jumping to them.
  local table chain rule
  for table in filter nat mangle raw; do
    for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^(KUBE-|CNI-)/ {print $2}'); do
      grep -qx "$table $chain" "$NODE_STATE/iptables.before" 2>/dev/null && continue
      iptables -t "$table" -S 2>/dev/null | grep -E -- "-j $chain( |$)" | sed 's/^-A /-D /' | while read -r rule; do
        eval "iptables -t $table $rule" 2>/dev/null
      done
      iptables -t "$table" -F "$chain" 2>/dev/null
    done
    for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^(KUBE-|CNI-)/ {print $2}'); do
      grep -qx "$table $chain" "$NODE_STATE/iptables.before" 2>/dev/null && continue
      iptables -t "$table" -X "$chain" 2>/dev/null && echo "removed iptables $table/$chain"
    done
  done
  # kube-router's address sets, now that no chain holds them.
  local set
  for set in $(ipset list -n 2>/dev/null | grep -E '^(KUBE-|kube-router)'); do
    ipset destroy "$set" 2>/dev/null && echo "removed ipset $set"
  done
  # The masquerade rules the bridge plugin adds carry the network's name.
  iptables -t nat -S POSTROUTING 2>/dev/null | grep -F 'fig-pods' | sed 's/^-A /-D /' | while read -r rule; do
    eval "iptables -t nat $rule" 2>/dev/null && echo "removed nat rule $rule"
  done
  for chain in FORWARD OUTPUT; do
    iptables -S "$chain" 2>/dev/null | grep -F -- '--comment fig-node' | sed 's/^-A /-D /' | while read -r rule; do
      eval "iptables $rule" 2>/dev/null && echo "removed $chain rule $rule"
    done
  done
  ip link show "$NODE_BRIDGE" >/dev/null 2>&1 && ip link del "$NODE_BRIDGE" && echo "removed bridge $NODE_BRIDGE"
  # cgroups kubelet made (kubepods/…), deepest first.
  local d
  find /sys/fs/cgroup/*/kubepods -depth -type d 2>/dev/null | while read -r d; do rmdir "$d" 2>/dev/null; done
  # Host settings up.sh changed.
  if [ -f "$NODE_STATE/sysctl.saved" ]; then
    while read -r k v; do echo "$v" >"/proc/sys/$k" 2>/dev/null; done <"$NODE_STATE/sysctl.saved"
    rm -f "$NODE_STATE/sysctl.saved"
  fi
  # The image engine, if up.sh had to start it (a running one is left alone).
  if [ -f "$NODE_STATE/engine.started" ]; then
    . "$REPO_ROOT/tools/delivery/engine-lib.sh"
    engine_stop && echo "stopped the image engine up.sh started"
    rm -f "$NODE_STATE/engine.started"
  fi
  rm -rf "$NODE_VAR" "$NODE_RUN" "$NODE_STATE/etcd" "$NODE_STATE/iptables.before" "$NODE_STATE/netns.before"
}

report_left() { # anything still there is a failure of the teardown
  local left=0
  for n in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy kube-router; do
    daemon_alive "$n" && { echo "LEFT: process $n"; left=1; }
  done
  pgrep -f "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCK" >/dev/null && { echo "LEFT: containerd shims"; left=1; }
  grep -qE " ($NODE_VAR|$NODE_RUN)/" /proc/self/mountinfo && { echo "LEFT: mounts"; left=1; }
  ip link show "$NODE_BRIDGE" >/dev/null 2>&1 && { echo "LEFT: bridge"; left=1; }
  iptables-save 2>/dev/null | grep -qE 'KUBE-|CNI-|fig-pods|fig-node' && { echo "LEFT: iptables rules"; left=1; }
  ipset list -n 2>/dev/null | grep -qE '^(KUBE-|kube-router)' && { echo "LEFT: ipsets"; left=1; }
  return $left
}

[ -d "$NODE_STATE" ] || exit 0
drain_workloads
stop_node
stop_control_plane
sweep
report_left
